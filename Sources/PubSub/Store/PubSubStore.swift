package import FoundationEssentials
package import XMPPCore

/// Where nodes, items, subscriptions and affiliations live. Every method names its node or its JID,
/// so an implementation can shard. Each mutating call is atomic and durable when it returns.
package protocol PubSubStore: Sendable {
    /// Creates the node with its creator as owner; throws `PubSubStoreError.nodeExists` if taken.
    func createNode(_ node: Node) async throws
    func node(_ id: String) async throws -> Node?
    /// All nodes, ordered by NodeID.
    func nodes() async throws -> [Node]
    /// Replaces the node's configuration, then keeps only its newest `maxItems` items; throws
    /// `PubSubStoreError.nodeNotFound`.
    func configure(node: String, _ configuration: NodeConfiguration) async throws
    /// Deletes the node with its items, subscriptions and affiliations; false when it does not exist.
    func deleteNode(_ id: String) async throws -> Bool
    /// Deletes every item of the node; throws `PubSubStoreError.nodeNotFound`.
    func purge(node: String) async throws

    /// The affiliation of a bare JID; `.none` when it has none.
    func affiliation(node: String, jid: JID) async throws -> Affiliation
    /// Every affiliated bare JID of a node.
    func affiliations(node: String) async throws -> [JID: Affiliation]
    /// The affiliations of a bare JID, by NodeID.
    func affiliations(jid: JID) async throws -> [String: Affiliation]
    /// Sets (or with `.none` removes) the affiliations of bare JIDs, all at once: outcasts and
    /// publish-only entities lose their subscriptions and owners, publishers and members have their pending ones approved (§8.7).
    /// Throws `PubSubStoreError.noOwnerLeft`, changing nothing, when no owner would remain.
    @discardableResult
    func setAffiliations(node: String, _ changes: [JID: Affiliation]) async throws -> AffiliationEffects

    /// Adds `subscription`, unless its JID already has a subscription to the node that `reuse`
    /// accepts: that one is returned instead. Throws `PubSubStoreError.tooManySubscriptions` when the
    /// bare JID already holds `limit` subscriptions across the service. Race-free per JID.
    func subscribe(_ subscription: Subscription, reuse: SubscriptionReuse, limit: Int) async throws -> Subscription
    /// Replaces the state and options of the subscription with the same node and SubID; false if gone.
    func updateSubscription(_ subscription: Subscription) async throws -> Bool
    /// Removes the subscriptions of `jid` (exactly that JID) to `node`, only `subscriptionID` if given;
    /// returns how many.
    func unsubscribe(node: String, jid: JID, subscriptionID: String?) async throws -> Int
    /// The subscriptions of a node, oldest first.
    func subscriptions(node: String) async throws -> [Subscription]
    /// The subscriptions of every JID with this bare JID, ordered by NodeID, then oldest first.
    func subscriptions(jid: JID) async throws -> [Subscription]

    /// Stores the items in order as one atomic, durable write (a group commit), each replacing the
    /// node's item with the same ID, then keeps only each node's newest `maxItems`. Returns, in the
    /// same order, each item's sequence: its place in its node's publish order (1 for the node's
    /// first publish, never reused), or nil when its node does not exist (that item is not stored).
    /// Atomic with respect to concurrent publishes to the same nodes.
    func publish(_ publications: [Publication]) async throws -> [Int64?]
    /// A page of items, newest first (see `ItemQuery`); throws `PubSubStoreError.itemNotFound` when
    /// the page is anchored at an item that does not exist.
    func items(node: String, query: ItemQuery) async throws -> ItemPage
    /// The items with these IDs that exist, newest first.
    func items(node: String, ids: [String]) async throws -> [Item]
    /// Deletes one item; false when the node has no item with that ID.
    func retract(node: String, itemID: String) async throws -> Bool
    /// The IDs of the node's items, newest first, without loading payloads.
    func itemIDs(node: String) async throws -> [String]
    /// Deletes the node's items published before `date` (`pubsub#item_expire`); returns how many.
    func expireItems(node: String, publishedBefore date: Date) async throws -> Int

    /// How many nodes and subscriptions exist (for metrics).
    func statistics() async throws -> StoreStatistics
}

extension PubSubStore {
    /// Stores one item (see `publish(_:)`); throws `PubSubStoreError.nodeNotFound` when the node does not exist.
    @discardableResult
    package func publish(_ item: Item, node: String) async throws -> Int64 {
        guard let sequence = try await self.publish([Publication(node: node, item: item)]).first ?? nil else {
            throw PubSubStoreError.nodeNotFound
        }
        return sequence
    }
}

/// An item to store in a node.
package struct Publication: Sendable, Hashable {
    package var node: String
    package var item: Item

    package init(node: String, item: Item) {
        self.node = node
        self.item = item
    }
}

/// Totals across the store.
package struct StoreStatistics: Sendable, Hashable {
    package var nodes: Int
    package var subscriptions: Int

    package init(nodes: Int, subscriptions: Int) {
        self.nodes = nodes
        self.subscriptions = subscriptions
    }
}

/// What changing affiliations did to subscriptions, so that their subscribers can be told (§12.11).
package struct AffiliationEffects: Sendable, Hashable {
    /// Subscriptions deleted because their JID became an outcast or publish-only.
    package var removed: [Subscription]
    /// Pending subscriptions approved because their JID became an owner, publisher or member.
    package var approved: [Subscription]

    package init(removed: [Subscription] = [], approved: [Subscription] = []) {
        self.removed = removed
        self.approved = approved
    }
}

/// Which existing subscription a new subscribe request may stand for.
package enum SubscriptionReuse: Sendable, Hashable {
    /// Any subscription of the same JID: a plain re-subscribe returns the current one (§6.1.6).
    case any
    /// Only one of the same JID with identical options: different options make another subscription.
    case sameOptions
}
