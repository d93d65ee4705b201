import FoundationEssentials
import Metrics
import PubSub
import Synchronization
import XMPPCore

/// The store with metrics around each call: how many calls are in flight (each holds a pooled
/// PostgreSQL connection: the pool's usage, which postgres-nio does not export itself), how long
/// each kind of call takes, and how many fail.
struct MeasuredStore: PubSubStore {
    let base: any PubSubStore
    private let inFlight = InFlight()
    private let metrics = MetricCache()

    init(_ base: any PubSubStore) {
        self.base = base
    }

    private final class InFlight: Sendable {
        let count = Atomic<Int>(0)
        let gauge = Gauge(label: "herald_postgres_requests_in_flight")

        func change(by delta: Int) {
            let now = self.count.add(delta, ordering: .relaxed).newValue
            self.gauge.record(now)
        }
    }

    private func measure<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        self.inFlight.change(by: 1)
        defer { self.inFlight.change(by: -1) }
        let start = ContinuousClock.now
        do {
            let result = try await body()
            self.metrics.timer("herald_postgres_duration_seconds", [("operation", operation)])
                .record(duration: ContinuousClock.now - start)
            return result
        } catch {
            self.metrics.counter("herald_postgres_errors_total", [("operation", operation)]).increment()
            throw error
        }
    }

    func createNode(_ node: Node) async throws {
        try await self.measure("createNode") { try await self.base.createNode(node) }
    }
    func node(_ id: String) async throws -> Node? { try await self.measure("node") { try await self.base.node(id) } }
    func nodes() async throws -> [Node] { try await self.measure("nodes") { try await self.base.nodes() } }
    func configure(node: String, _ configuration: NodeConfiguration) async throws {
        try await self.measure("configure") { try await self.base.configure(node: node, configuration) }
    }
    func deleteNode(_ id: String) async throws -> Bool {
        try await self.measure("deleteNode") { try await self.base.deleteNode(id) }
    }
    func purge(node: String) async throws { try await self.measure("purge") { try await self.base.purge(node: node) } }
    func affiliation(node: String, jid: JID) async throws -> Affiliation {
        try await self.measure("affiliation") { try await self.base.affiliation(node: node, jid: jid) }
    }
    func affiliations(node: String) async throws -> [JID: Affiliation] {
        try await self.measure("affiliations") { try await self.base.affiliations(node: node) }
    }
    func affiliations(jid: JID) async throws -> [String: Affiliation] {
        try await self.measure("affiliations") { try await self.base.affiliations(jid: jid) }
    }
    func setAffiliations(node: String, _ changes: [JID: Affiliation]) async throws -> AffiliationEffects {
        try await self.measure("setAffiliations") { try await self.base.setAffiliations(node: node, changes) }
    }
    func subscribe(_ subscription: Subscription, reuse: SubscriptionReuse, limit: Int) async throws -> Subscription {
        try await self.measure("subscribe") { try await self.base.subscribe(subscription, reuse: reuse, limit: limit) }
    }
    func updateSubscription(_ subscription: Subscription) async throws -> Bool {
        try await self.measure("updateSubscription") { try await self.base.updateSubscription(subscription) }
    }
    func unsubscribe(node: String, jid: JID, subscriptionID: String?) async throws -> Int {
        try await self.measure("unsubscribe") {
            try await self.base.unsubscribe(node: node, jid: jid, subscriptionID: subscriptionID)
        }
    }
    func subscriptions(node: String) async throws -> [Subscription] {
        try await self.measure("subscriptions") { try await self.base.subscriptions(node: node) }
    }
    func subscriptions(jid: JID) async throws -> [Subscription] {
        try await self.measure("subscriptions") { try await self.base.subscriptions(jid: jid) }
    }
    func publish(_ publications: [Publication]) async throws -> [Int64?] {
        try await self.measure("publish") { try await self.base.publish(publications) }
    }
    func items(node: String, query: ItemQuery) async throws -> ItemPage {
        try await self.measure("items") { try await self.base.items(node: node, query: query) }
    }
    func items(node: String, ids: [String]) async throws -> [Item] {
        try await self.measure("items") { try await self.base.items(node: node, ids: ids) }
    }
    func retract(node: String, itemID: String) async throws -> Bool {
        try await self.measure("retract") { try await self.base.retract(node: node, itemID: itemID) }
    }
    func itemIDs(node: String) async throws -> [String] {
        try await self.measure("itemIDs") { try await self.base.itemIDs(node: node) }
    }
    func expireItems(node: String, publishedBefore date: Date) async throws -> Int {
        try await self.measure("expireItems") { try await self.base.expireItems(node: node, publishedBefore: date) }
    }
    func statistics() async throws -> StoreStatistics {
        try await self.measure("statistics") { try await self.base.statistics() }
    }
}
