/// `pubsub#publish_model`: who may publish besides owners and publishers (XEP-0060 §16.4.3).
package enum PublishModel: String, Sendable, Hashable, Codable, CaseIterable {
    /// Only owners, publishers and publish-only entities.
    case publishers
    /// Also every entity with a `subscribed` subscription.
    case subscribers
    /// Anyone not an outcast.
    case open
}
