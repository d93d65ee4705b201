/// Domain failures a store reports; anything else it throws is an infrastructure failure.
package enum PubSubStoreError: Error, Sendable, Hashable {
    /// `createNode` found the NodeID taken.
    case nodeExists
    /// The node vanished between the check and the write (deleted concurrently).
    case nodeNotFound
}
