package import FoundationEssentials
import NIOConcurrencyHelpers
package import XMPPCore

/// A `PubSubStore` in process memory, for fast tests of the domain. Not durable.
package final class InMemoryPubSubStore: PubSubStore {
    private struct NodeState {
        var node: Node
        var affiliations: [JID: Affiliation]
        var subscriptions: [Subscription] = []
        /// Items newest first; a republished ID moves to the front.
        var items: [Item] = []
        var lastSequence: Int64 = 0
    }

    private let state = NIOLockedValueBox<[String: NodeState]>([:])

    package init() {}

    package func createNode(_ node: Node) async throws {
        try self.state.withLockedValue { nodes in
            guard nodes[node.id] == nil else { throw PubSubStoreError.nodeExists }
            nodes[node.id] = NodeState(node: node, affiliations: [node.creator.bare: .owner])
        }
    }

    package func node(_ id: String) async throws -> Node? {
        self.state.withLockedValue { $0[id]?.node }
    }

    package func nodes() async throws -> [Node] {
        self.state.withLockedValue { $0.values.map(\.node).sorted { $0.id < $1.id } }
    }

    package func configure(node: String, _ configuration: NodeConfiguration) async throws {
        try self.state.withLockedValue { nodes in
            guard var state = nodes[node] else { throw PubSubStoreError.nodeNotFound }
            state.node.configuration = configuration
            if state.items.count > configuration.maxItems {
                state.items.removeLast(state.items.count - configuration.maxItems)
            }
            nodes[node] = state
        }
    }

    package func deleteNode(_ id: String) async throws -> Bool {
        self.state.withLockedValue { $0.removeValue(forKey: id) != nil }
    }

    package func purge(node: String) async throws {
        try self.state.withLockedValue { nodes in
            guard nodes[node] != nil else { throw PubSubStoreError.nodeNotFound }
            nodes[node]!.items.removeAll()
        }
    }

    package func affiliation(node: String, jid: JID) async throws -> Affiliation {
        self.state.withLockedValue { $0[node]?.affiliations[jid.bare] ?? .none }
    }

    package func affiliations(node: String) async throws -> [JID: Affiliation] {
        self.state.withLockedValue { $0[node]?.affiliations ?? [:] }
    }

    package func affiliations(jid: JID) async throws -> [String: Affiliation] {
        self.state.withLockedValue { nodes in nodes.compactMapValues { $0.affiliations[jid.bare] } }
    }

    @discardableResult
    package func setAffiliations(node: String, _ changes: [JID: Affiliation]) async throws -> AffiliationEffects {
        try self.state.withLockedValue { nodes in
            guard var state = nodes[node] else { throw PubSubStoreError.nodeNotFound }
            for (jid, affiliation) in changes {
                state.affiliations[jid.bare] = affiliation == .none ? nil : affiliation
            }
            guard state.affiliations.values.contains(.owner) else { throw PubSubStoreError.noOwnerLeft }
            var effects = AffiliationEffects()
            let outcasts = Set(changes.filter { !$0.value.maySubscribe }.keys.map(\.bare))
            let approving = Set(changes.filter { [.owner, .publisher, .member].contains($0.value) }.keys.map(\.bare))
            effects.removed = state.subscriptions.filter { outcasts.contains($0.jid.bare) }
            state.subscriptions.removeAll { outcasts.contains($0.jid.bare) }
            for index in state.subscriptions.indices
            where state.subscriptions[index].state == .pending
                && approving.contains(state.subscriptions[index].jid.bare)
            {
                state.subscriptions[index].state = .subscribed
                effects.approved.append(state.subscriptions[index])
            }
            nodes[node] = state
            return effects
        }
    }

    package func subscribe(
        _ subscription: Subscription,
        reuse: SubscriptionReuse,
        limit: Int
    ) async throws -> Subscription {
        try self.state.withLockedValue { nodes in
            guard var state = nodes[subscription.node] else { throw PubSubStoreError.nodeNotFound }
            let existing = state.subscriptions.first {
                $0.jid == subscription.jid && (reuse == .any || $0.options == subscription.options)
            }
            if let existing { return existing }
            let held = nodes.values.reduce(0) { count, node in
                count + node.subscriptions.count { $0.jid.bare == subscription.jid.bare }
            }
            guard held < limit else { throw PubSubStoreError.tooManySubscriptions }
            state.subscriptions.append(subscription)
            nodes[subscription.node] = state
            return subscription
        }
    }

    package func updateSubscription(_ subscription: Subscription) async throws -> Bool {
        self.state.withLockedValue { nodes in
            guard let index = nodes[subscription.node]?.subscriptions.firstIndex(where: { $0.id == subscription.id })
            else { return false }
            nodes[subscription.node]!.subscriptions[index] = subscription
            return true
        }
    }

    package func unsubscribe(node: String, jid: JID, subscriptionID: String?) async throws -> Int {
        self.state.withLockedValue { nodes in
            guard var state = nodes[node] else { return 0 }
            let before = state.subscriptions.count
            state.subscriptions.removeAll { $0.jid == jid && (subscriptionID == nil || $0.id == subscriptionID) }
            nodes[node] = state
            return before - state.subscriptions.count
        }
    }

    package func subscriptions(node: String) async throws -> [Subscription] {
        self.state.withLockedValue { $0[node]?.subscriptions ?? [] }
    }

    package func subscriptions(jid: JID) async throws -> [Subscription] {
        self.state.withLockedValue { nodes in
            nodes.keys.sorted().flatMap { id in nodes[id]!.subscriptions.filter { $0.jid.bare == jid.bare } }
        }
    }

    package func publish(_ publications: [Publication]) async throws -> [Int64?] {
        self.state.withLockedValue { nodes in
            publications.map { publication in
                guard var state = nodes[publication.node] else { return nil }
                let item = publication.item
                state.lastSequence += 1
                state.items.removeAll { $0.id == item.id }
                state.items.insert(item, at: 0)
                let maxItems = state.node.configuration.maxItems
                if state.items.count > maxItems {
                    state.items.removeLast(state.items.count - maxItems)
                }
                nodes[publication.node] = state
                return state.lastSequence
            }
        }
    }

    package func items(node: String, query: ItemQuery) async throws -> ItemPage {
        try self.state.withLockedValue { nodes in
            let all = nodes[node]?.items ?? []
            func position(of id: String) throws -> Int {
                guard let index = all.firstIndex(where: { $0.id == id }) else { throw PubSubStoreError.itemNotFound }
                return index
            }
            // Indices in the order the page is filled: away from its anchor.
            let indices: [Int]
            switch query.start {
            case .newest: indices = Array(all.indices)
            case .after(let id): indices = Array((try position(of: id) + 1)..<all.count)
            case .index(let start): indices = start < all.count ? Array(start..<all.count) : []
            case .before(let id): indices = Array((0..<(try position(of: id))).reversed())
            case .oldest: indices = Array(all.indices.reversed())
            }
            var taken: [Int] = []
            var bytes = 0
            for index in indices {
                if let limit = query.limit, taken.count >= limit { break }
                bytes += all[index].payload?.utf8.count ?? 0
                if bytes > query.byteBudget && !taken.isEmpty { break }
                taken.append(index)
            }
            taken.sort()
            let firstIndex: Int
            switch query.start {
            case .index(let start): firstIndex = taken.first ?? start
            default: firstIndex = taken.first ?? 0
            }
            return ItemPage(items: taken.map { all[$0] }, total: all.count, firstIndex: firstIndex)
        }
    }

    package func retract(node: String, itemID: String) async throws -> Bool {
        self.state.withLockedValue { nodes in
            guard var state = nodes[node], let index = state.items.firstIndex(where: { $0.id == itemID }) else {
                return false
            }
            state.items.remove(at: index)
            nodes[node] = state
            return true
        }
    }

    package func itemIDs(node: String) async throws -> [String] {
        self.state.withLockedValue { $0[node]?.items.map(\.id) ?? [] }
    }

    package func statistics() async throws -> StoreStatistics {
        self.state.withLockedValue { nodes in
            StoreStatistics(nodes: nodes.count, subscriptions: nodes.values.reduce(0) { $0 + $1.subscriptions.count })
        }
    }

    package func expireItems(node: String, publishedBefore date: Date) async throws -> Int {
        self.state.withLockedValue { nodes in
            guard var state = nodes[node] else { return 0 }
            let before = state.items.count
            state.items.removeAll { $0.publishedAt < date }
            nodes[node] = state
            return before - state.items.count
        }
    }

    package func items(node: String, ids: [String]) async throws -> [Item] {
        self.state.withLockedValue { nodes in
            let wanted = Set(ids)
            return (nodes[node]?.items ?? []).filter { wanted.contains($0.id) }
        }
    }
}
