/// `pubsub#send_last_published_item`: when a subscriber gets the newest item without asking (§6.1.7).
package enum SendLastPublishedItem: String, Sendable, Hashable, Codable, CaseIterable {
    case never
    case onSubscription = "on_sub"
    /// On subscription, and whenever the subscriber becomes available to the service.
    case onSubscriptionAndPresence = "on_sub_and_presence"
}
