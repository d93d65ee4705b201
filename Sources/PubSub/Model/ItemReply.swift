/// `pubsub#itemreply`: who replies to items go to; `publisher` also makes Herald stamp each item
/// with a `publisher` attribute (XEP-0060 §7.1.2.3).
package enum ItemReply: String, Sendable, Hashable, Codable, CaseIterable {
    case owner
    case publisher
}
