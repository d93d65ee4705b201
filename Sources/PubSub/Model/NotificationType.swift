/// `pubsub#notification_type`: the `type` of event messages.
package enum NotificationType: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not stored offline by most servers (XEP-0060 §12.7), the default.
    case headline
    case normal
}
