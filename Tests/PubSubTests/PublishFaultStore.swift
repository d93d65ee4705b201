import FoundationEssentials
import NIOConcurrencyHelpers
import XMPPCore

@testable import PubSub

/// The in-memory store with a fault, to show what a batch of publishes answers when its commit
/// does not happen. Every other call is the in-memory store's.
struct PublishFaultStore: PubSubStore {
    enum Fault: Sendable {
        /// Publishes fail.
        case fails
        /// Publishes never return.
        case hangs
        /// Reading a node's subscriptions takes this long, cancelled or not, as a query already
        /// sent to PostgreSQL does.
        case slowSubscriptions(Duration)
        /// Subscribing takes this long before it writes.
        case slowSubscribes(Duration)
    }

    struct Failed: Error {}

    let base = InMemoryPubSubStore()
    let fault: Fault
    /// How many publish calls reached the store.
    let publishCalls = NIOLockedValueBox(0)

    func publish(_ publications: [Publication]) async throws -> [Int64?] {
        self.publishCalls.withLockedValue { $0 += 1 }
        switch self.fault {
        case .fails: throw Failed()
        case .hangs:
            try await Task.sleep(for: .seconds(3600))
            return []
        case .slowSubscriptions, .slowSubscribes: return try await self.base.publish(publications)
        }
    }

    func createNode(_ node: Node) async throws { try await self.base.createNode(node) }
    func node(_ id: String) async throws -> Node? { try await self.base.node(id) }
    func nodes() async throws -> [Node] { try await self.base.nodes() }
    func configure(node: String, _ configuration: NodeConfiguration) async throws {
        try await self.base.configure(node: node, configuration)
    }
    func deleteNode(_ id: String) async throws -> Bool { try await self.base.deleteNode(id) }
    func purge(node: String) async throws { try await self.base.purge(node: node) }
    func affiliation(node: String, jid: JID) async throws -> Affiliation {
        try await self.base.affiliation(node: node, jid: jid)
    }
    func affiliations(node: String) async throws -> [JID: Affiliation] { try await self.base.affiliations(node: node) }
    func affiliations(jid: JID) async throws -> [String: Affiliation] { try await self.base.affiliations(jid: jid) }
    func setAffiliations(node: String, _ changes: [JID: Affiliation]) async throws -> AffiliationEffects {
        try await self.base.setAffiliations(node: node, changes)
    }
    func subscribe(_ subscription: Subscription, reuse: SubscriptionReuse, limit: Int) async throws -> Subscription {
        if case .slowSubscribes(let delay) = self.fault { try await Task.sleep(for: delay) }
        return try await self.base.subscribe(subscription, reuse: reuse, limit: limit)
    }
    func updateSubscription(_ subscription: Subscription) async throws -> Bool {
        try await self.base.updateSubscription(subscription)
    }
    func unsubscribe(node: String, jid: JID, subscriptionID: String?) async throws -> Int {
        try await self.base.unsubscribe(node: node, jid: jid, subscriptionID: subscriptionID)
    }
    func subscriptions(node: String) async throws -> [Subscription] {
        if case .slowSubscriptions(let delay) = self.fault {
            // Unstructured, so that cancelling the caller does not cut the wait short.
            await Task { try? await Task.sleep(for: delay) }.value
        }
        return try await self.base.subscriptions(node: node)
    }
    func subscriptions(jid: JID) async throws -> [Subscription] { try await self.base.subscriptions(jid: jid) }
    func items(node: String, query: ItemQuery) async throws -> ItemPage {
        try await self.base.items(node: node, query: query)
    }
    func items(node: String, ids: [String]) async throws -> [Item] { try await self.base.items(node: node, ids: ids) }
    func retract(node: String, itemID: String) async throws -> Bool {
        try await self.base.retract(node: node, itemID: itemID)
    }
    func itemIDs(node: String) async throws -> [String] { try await self.base.itemIDs(node: node) }
    func expireItems(node: String, publishedBefore date: Date) async throws -> Int {
        try await self.base.expireItems(node: node, publishedBefore: date)
    }
    func statistics() async throws -> StoreStatistics { try await self.base.statistics() }
}
