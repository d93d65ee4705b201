/// Domain failures a store reports; anything else it throws is an infrastructure failure.
package enum PubSubStoreError: Error, Sendable, Hashable {
    /// `createNode` found the NodeID taken.
    case nodeExists
    /// The node vanished between the check and the write (deleted concurrently).
    case nodeNotFound
    /// The bare JID already holds the most subscriptions allowed.
    case tooManySubscriptions
    /// A page was anchored at an ItemID the node does not have.
    case itemNotFound
    /// Affiliation changes would leave the node without an owner; nothing was changed.
    case noOwnerLeft
}
