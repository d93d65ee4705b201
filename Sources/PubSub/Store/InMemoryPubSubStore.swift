import Synchronization
package import XMPPCore

/// A `PubSubStore` in process memory, for fast tests of the domain. Not durable.
package final class InMemoryPubSubStore: PubSubStore {
    private struct NodeState {
        var node: Node
        var affiliations: [JID: Affiliation] = [:]
        var subscriptions: [Subscription] = []
        /// Items oldest first; a republished ID moves to the end.
        var items: [Item] = []
    }

    private let state = Mutex<[String: NodeState]>([:])

    package init() {}

    package func createNode(_ node: Node, owner: JID) async throws {
        try self.state.withLock { nodes in
            guard nodes[node.id] == nil else { throw PubSubStoreError.nodeExists }
            nodes[node.id] = NodeState(node: node, affiliations: [owner.bare: .owner])
        }
    }

    package func node(_ id: String) async throws -> Node? {
        self.state.withLock { $0[id]?.node }
    }

    package func nodes() async throws -> [Node] {
        self.state.withLock { $0.values.map(\.node).sorted { $0.id < $1.id } }
    }

    package func affiliation(node: String, jid: JID) async throws -> Affiliation {
        self.state.withLock { $0[node]?.affiliations[jid.bare] ?? .none }
    }

    package func subscribe(_ subscription: Subscription) async throws -> Subscription {
        try self.state.withLock { nodes in
            guard var state = nodes[subscription.node] else { throw PubSubStoreError.nodeNotFound }
            if let existing = state.subscriptions.first(where: { $0.jid == subscription.jid }) {
                return existing
            }
            state.subscriptions.append(subscription)
            nodes[subscription.node] = state
            return subscription
        }
    }

    package func unsubscribe(node: String, jid: JID, subscriptionID: String?) async throws -> Int {
        self.state.withLock { nodes in
            guard var state = nodes[node] else { return 0 }
            let before = state.subscriptions.count
            state.subscriptions.removeAll { $0.jid == jid && (subscriptionID == nil || $0.id == subscriptionID) }
            nodes[node] = state
            return before - state.subscriptions.count
        }
    }

    package func subscriptions(node: String) async throws -> [Subscription] {
        self.state.withLock { $0[node]?.subscriptions ?? [] }
    }

    package func publish(_ item: Item, node: String) async throws {
        try self.state.withLock { nodes in
            guard var state = nodes[node] else { throw PubSubStoreError.nodeNotFound }
            state.items.removeAll { $0.id == item.id }
            state.items.append(item)
            let maxItems = state.node.configuration.maxItems
            if state.items.count > maxItems {
                state.items.removeFirst(state.items.count - maxItems)
            }
            nodes[node] = state
        }
    }

    package func items(node: String, limit: Int?, byteBudget: Int) async throws -> ItemPage {
        self.state.withLock { nodes in
            let all = nodes[node]?.items ?? []
            var page: [Item] = []
            var bytes = 0
            for item in all.reversed() {
                if let limit, page.count >= limit { break }
                bytes += item.payload?.utf8.count ?? 0
                if bytes > byteBudget && !page.isEmpty { break }
                page.append(item)
            }
            return ItemPage(items: page.reversed(), total: all.count)
        }
    }

    package func retract(node: String, itemID: String) async throws -> Bool {
        self.state.withLock { nodes in
            guard var state = nodes[node], let index = state.items.firstIndex(where: { $0.id == itemID }) else {
                return false
            }
            state.items.remove(at: index)
            nodes[node] = state
            return true
        }
    }

    package func itemIDs(node: String) async throws -> [String] {
        self.state.withLock { $0[node]?.items.map(\.id) ?? [] }
    }

    package func items(node: String, ids: [String]) async throws -> [Item] {
        self.state.withLock { nodes in
            let wanted = Set(ids)
            return (nodes[node]?.items ?? []).filter { wanted.contains($0.id) }
        }
    }
}
