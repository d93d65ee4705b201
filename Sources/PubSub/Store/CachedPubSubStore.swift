package import FoundationEssentials
import NIOConcurrencyHelpers
package import XMPPCore

/// A store that keeps each node's hot state in memory: its configuration, its affiliations and its
/// subscriptions, the reads of every publish. Writes go to the base store first. A subscription
/// written is then put in the node's cached list as the base store answered it (written through);
/// any other write drops the node's entry, which is reloaded on its next read. So the cache never
/// holds what the base store did not accept.
///
/// A load that overlaps a write to its node is not kept: each node has a generation, bumped by
/// every write and by `invalidate`, and a load stores its result only if the generation it started
/// from is still current. Two writes to one node that overlap drop its entry: their answers may
/// arrive in another order than their commits. Changes made by other processes reach the cache
/// through `announced` (PostgreSQL `LISTEN/NOTIFY`, decision 0015).
package final class CachedPubSubStore: PubSubStore {
    private struct Entry {
        var generation: UInt64
        var node: Node?
        var affiliations: [JID: Affiliation]?
        var subscriptions: [Subscription]?
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var nextGeneration: UInt64 = 0
        /// Node IDs in the order they were first cached, to evict the oldest beyond capacity.
        var order: [String] = []
        /// The writes in flight, per node.
        var writes: [String: Writes] = [:]
        /// Nodes with a failed write, which may yet commit, and until when: the announcements of
        /// this process's own changes to them are not skipped meanwhile.
        var uncertain: [String: ContinuousClock.Instant] = [:]
    }

    private struct Writes {
        var inFlight = 0
        /// Whether two of them were in flight at once since the node had none.
        var overlapped = false
    }

    let base: any PubSubStore
    /// How many nodes' state is kept at most.
    let capacity: Int
    private let state = NIOLockedValueBox(State())

    package init(_ base: any PubSubStore, capacity: Int = 100_000) {
        precondition(capacity > 0, "a cache needs room for one node")
        self.base = base
        self.capacity = capacity
    }

    /// Forgets what is cached about one node.
    package func invalidate(node: String) {
        self.state.withLockedValue { state in
            // A load in flight has an entry: the new generation tells it not to keep its result.
            guard state.entries[node] != nil else { return }
            state.nextGeneration += 1
            state.entries[node] = Entry(generation: state.nextGeneration)
        }
    }

    /// PostgreSQL announced that `node` changed: by another process, or by this one (`own`), whose
    /// writes the cache saw as they were answered. A failed write's outcome was not seen: for
    /// `uncertainty` after it, this process's own announcements for its node drop the entry too,
    /// since that write may commit late, after a later one.
    package func announced(node: String, own: Bool) {
        let now = ContinuousClock.now
        let unseen = self.state.withLockedValue { state in
            guard own else { return true }
            guard let until = state.uncertain[node] else { return false }
            if until <= now { state.uncertain[node] = nil }
            return until > now
        }
        if unseen { self.invalidate(node: node) }
    }

    /// How long after a failed write its node's own announcements are still heeded: a commit seen
    /// to fail that lands later than this is not caught until the node's entry goes.
    static let uncertainty: Duration = .seconds(60)

    /// Forgets everything: after a gap in the invalidations from other processes.
    package func invalidateAll() {
        self.state.withLockedValue { state in
            state.nextGeneration += 1
            state.entries.removeAll()
            state.order.removeAll()
        }
    }

    /// How many nodes have cached state, so that tests can see eviction.
    package var cachedNodes: Int {
        self.state.withLockedValue { $0.entries.values.count { $0.node != nil } }
    }

    /// The cached value, or the base store's, which is kept unless the node was written meanwhile.
    /// A nil from the base store (a missing node) is not kept: the next request may create it.
    private func cached<T>(
        _ node: String,
        _ value: WritableKeyPath<Entry, T?>,
        load: () async throws -> T?
    ) async throws -> T? {
        let (hit, generation) = self.state.withLockedValue { state -> (T?, UInt64) in
            if let entry = state.entries[node] { return (entry[keyPath: value], entry.generation) }
            state.nextGeneration += 1
            state.entries[node] = Entry(generation: state.nextGeneration)
            state.order.append(node)
            return (nil, state.nextGeneration)
        }
        if let hit { return hit }
        let loaded = try await load()
        self.state.withLockedValue { state in
            guard state.entries[node]?.generation == generation else { return }
            state.entries[node]![keyPath: value] = loaded
            self.evict(&state)
        }
        return loaded
    }

    private func evict(_ state: inout State) {
        guard state.order.count > self.capacity else { return }
        let excess = state.order.count - self.capacity
        for node in state.order.prefix(excess) {
            state.entries[node] = nil
        }
        state.order.removeFirst(excess)
    }

    /// Writes to the base store, then drops the node's entry, even when the write failed: it may
    /// have committed before the failure was seen.
    private func writing<T>(_ node: String, _ write: () async throws -> T) async throws -> T {
        try await self.writing(node, write) { _, _ in false }
    }

    /// Writes to the base store, then lets `update` bring the node's cached subscriptions in line
    /// with the base store's answer. The entry is dropped instead when the write failed, when it
    /// overlapped another write to the node, or when `update` returns false (it cannot tell).
    private func writing<T>(
        _ node: String,
        _ write: () async throws -> T,
        update: (T, inout [Subscription]) -> Bool
    ) async throws -> T {
        self.state.withLockedValue { state in
            state.writes[node, default: Writes()].inFlight += 1
            if state.writes[node]!.inFlight > 1 { state.writes[node]!.overlapped = true }
        }
        let answer: T
        do {
            answer = try await write()
        } catch {
            self.finishWriting(node, failed: true) { _ in false }
            throw error
        }
        self.finishWriting(node, failed: false) { update(answer, &$0) }
        return answer
    }

    private func finishWriting(_ node: String, failed: Bool, update: (inout [Subscription]) -> Bool) {
        self.state.withLockedValue { state in
            let writes = state.writes[node]!
            state.writes[node] = writes.inFlight == 1 ? nil : Writes(inFlight: writes.inFlight - 1, overlapped: true)
            if failed {
                let now = ContinuousClock.now
                state.uncertain = state.uncertain.filter { $0.value > now }  // failures are rare
                state.uncertain[node] = now + Self.uncertainty
            }
            // A load in flight has an entry: the new generation tells it not to keep its result.
            guard var entry = state.entries.removeValue(forKey: node) else { return }
            state.nextGeneration += 1
            entry.generation = state.nextGeneration
            // Taken out of the entry, and the entry out of the table, so that the list has one
            // owner and changes in place: a node may have a million subscriptions.
            var subscriptions = entry.subscriptions
            entry.subscriptions = nil
            if !writes.overlapped, subscriptions != nil, update(&subscriptions!) {
                entry.subscriptions = subscriptions
                state.entries[node] = entry
            } else {
                state.entries[node] = Entry(generation: state.nextGeneration)
            }
        }
    }

    package func createNode(_ node: Node) async throws {
        try await self.writing(node.id) { try await self.base.createNode(node) }
    }

    package func node(_ id: String) async throws -> Node? {
        try await self.cached(id, \.node) { try await self.base.node(id) }
    }

    package func nodes() async throws -> [Node] {
        try await self.base.nodes()
    }

    package func configure(node: String, _ configuration: NodeConfiguration) async throws {
        try await self.writing(node) { try await self.base.configure(node: node, configuration) }
    }

    package func deleteNode(_ id: String) async throws -> Bool {
        try await self.writing(id) { try await self.base.deleteNode(id) }
    }

    package func purge(node: String) async throws {
        try await self.base.purge(node: node)
    }

    package func affiliation(node: String, jid: JID) async throws -> Affiliation {
        try await self.affiliations(node: node)[jid.bare] ?? .none
    }

    package func affiliations(node: String) async throws -> [JID: Affiliation] {
        try await self.cached(node, \.affiliations) { try await self.base.affiliations(node: node) } ?? [:]
    }

    package func affiliations(jid: JID) async throws -> [String: Affiliation] {
        try await self.base.affiliations(jid: jid)
    }

    package func setAffiliations(node: String, _ changes: [JID: Affiliation]) async throws -> AffiliationEffects {
        try await self.writing(node) { try await self.base.setAffiliations(node: node, changes) }
    }

    package func subscribe(
        _ subscription: Subscription,
        reuse: SubscriptionReuse,
        limit: Int
    ) async throws
        -> Subscription
    {
        try await self.writing(subscription.node) {
            try await self.base.subscribe(subscription, reuse: reuse, limit: limit)
        } update: { stored, subscriptions in
            if subscriptions.contains(where: { $0.id == stored.id }) { return true }  // reused
            // Reusing one the cache does not hold means the cache is behind: it must reload.
            guard stored == subscription else { return false }
            subscriptions.append(stored)  // the node's newest
            return true
        }
    }

    package func updateSubscription(_ subscription: Subscription) async throws -> Bool {
        try await self.writing(subscription.node) {
            try await self.base.updateSubscription(subscription)
        } update: { updated, subscriptions in
            guard updated, let index = subscriptions.firstIndex(where: { $0.id == subscription.id }) else {
                return false
            }
            subscriptions[index].state = subscription.state
            subscriptions[index].options = subscription.options
            return true
        }
    }

    package func unsubscribe(node: String, jid: JID, subscriptionID: String?) async throws -> Int {
        try await self.writing(node) {
            try await self.base.unsubscribe(node: node, jid: jid, subscriptionID: subscriptionID)
        } update: { removed, subscriptions in
            let before = subscriptions.count
            subscriptions.removeAll { $0.jid == jid && (subscriptionID == nil || $0.id == subscriptionID) }
            return before - subscriptions.count == removed
        }
    }

    package func subscriptions(node: String) async throws -> [Subscription] {
        try await self.cached(node, \.subscriptions) { try await self.base.subscriptions(node: node) } ?? []
    }

    package func subscriptions(jid: JID) async throws -> [Subscription] {
        try await self.base.subscriptions(jid: jid)
    }

    package func publish(_ publications: [Publication]) async throws -> [Int64?] {
        let sequences = try await self.base.publish(publications)
        // A node that vanished was deleted elsewhere: its cached state is stale.
        for (publication, sequence) in zip(publications, sequences) where sequence == nil {
            self.invalidate(node: publication.node)
        }
        return sequences
    }

    package func items(node: String, query: ItemQuery) async throws -> ItemPage {
        try await self.base.items(node: node, query: query)
    }

    package func items(node: String, ids: [String]) async throws -> [Item] {
        try await self.base.items(node: node, ids: ids)
    }

    package func retract(node: String, itemID: String) async throws -> Bool {
        try await self.base.retract(node: node, itemID: itemID)
    }

    package func itemIDs(node: String) async throws -> [String] {
        try await self.base.itemIDs(node: node)
    }

    package func expireItems(node: String, publishedBefore date: Date) async throws -> Int {
        try await self.base.expireItems(node: node, publishedBefore: date)
    }

    package func statistics() async throws -> StoreStatistics {
        try await self.base.statistics()
    }
}
