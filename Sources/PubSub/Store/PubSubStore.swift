package import XMPPCore

/// Where nodes, items, subscriptions and affiliations live. Every method names its node, so an
/// implementation can shard by node. Each mutating call is atomic and durable when it returns.
package protocol PubSubStore: Sendable {
    /// Creates the node with `owner` as its owner; throws `PubSubStoreError.nodeExists` if taken.
    func createNode(_ node: Node, owner: JID) async throws
    func node(_ id: String) async throws -> Node?
    /// All nodes, ordered by NodeID.
    func nodes() async throws -> [Node]
    /// The affiliation of a bare JID; `.none` when it has none.
    func affiliation(node: String, jid: JID) async throws -> Affiliation

    /// Adds the subscription, or returns the existing one of the same JID to the same node.
    func subscribe(_ subscription: Subscription) async throws -> Subscription
    /// Removes the subscriptions of `jid` to `node` (only `subscriptionID` if given); returns how many.
    func unsubscribe(node: String, jid: JID, subscriptionID: String?) async throws -> Int
    /// The subscriptions of a node, oldest first.
    func subscriptions(node: String) async throws -> [Subscription]

    /// Stores the item, replacing one with the same ID, then keeps only the node's newest `maxItems`;
    /// atomic with respect to concurrent publishes to the same node.
    func publish(_ item: Item, node: String) async throws
    /// The newest items, at most `limit` (all if nil) and at most `byteBudget` bytes of payload
    /// (but always the newest one), returned oldest first with the node's item count.
    func items(node: String, limit: Int?, byteBudget: Int) async throws -> ItemPage
    /// The items with these IDs that exist, oldest first.
    func items(node: String, ids: [String]) async throws -> [Item]
    /// Deletes one item; false when the node has no item with that ID.
    func retract(node: String, itemID: String) async throws -> Bool
    /// The IDs of the node's items, oldest first, without loading payloads.
    func itemIDs(node: String) async throws -> [String]
}
