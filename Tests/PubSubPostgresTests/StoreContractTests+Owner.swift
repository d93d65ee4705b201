import Foundation
import PubSub
import Testing
import XMPPCore

/// The owner use cases (XEP-0060 §8) on both stores.
extension StoreContractTests {
    static let carol = try! JID("carol@localhost")

    @Test(arguments: Self.backends) func configureReplacesAndTrims(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("configure")
            try await store.createNode(Self.node(id))
            for index in 1...5 {
                try await store.publish(try Self.item("i\(index)", "\(index)"), node: id)
            }
            let configuration = NodeConfiguration(title: "Renamed", maxItems: 2, notifyConfig: true, itemExpire: 60)
            try await store.configure(node: id, configuration)
            #expect(try await store.node(id)?.configuration == configuration)
            #expect(try await store.itemIDs(node: id) == ["i5", "i4"])
            await #expect(throws: PubSubStoreError.nodeNotFound) {
                try await store.configure(node: Self.nodeID("missing"), configuration)
            }
        }
    }

    @Test(arguments: Self.backends) func deleteNodeTakesEverythingWithIt(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("delete")
            try await store.createNode(Self.node(id))
            try await store.publish(try Self.item("i1", "1"), node: id)
            _ = try await store.subscribe(Subscription(node: id, jid: Self.bob, id: "s1"), reuse: .any, limit: .max)
            try await store.setAffiliations(node: id, [Self.bob: .publisher])
            #expect(try await store.deleteNode(id))
            #expect(try await store.node(id) == nil)
            #expect(try await store.subscriptions(jid: Self.bob).filter { $0.node == id }.isEmpty)
            #expect(try await store.affiliations(jid: Self.bob)[id] == nil)
            #expect(try await store.itemIDs(node: id).isEmpty)
            #expect(try await !store.deleteNode(id))
            // The NodeID is free again, with nothing of the old node.
            try await store.createNode(Self.node(id))
            #expect(try await store.itemIDs(node: id).isEmpty)
        }
    }

    @Test(arguments: Self.backends) func purgeAndExpire(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("purge")
            try await store.createNode(Self.node(id))
            for (index, age) in [300.0, 100, 10].enumerated() {
                var item = try Self.item("i\(index)", "\(index)")
                item.publishedAt = Self.created.addingTimeInterval(-age)
                try await store.publish(item, node: id)
            }
            #expect(try await store.expireItems(node: id, publishedBefore: Self.created.addingTimeInterval(-50)) == 2)
            #expect(try await store.itemIDs(node: id) == ["i2"])
            try await store.purge(node: id)
            #expect(try await store.itemIDs(node: id).isEmpty)
            #expect(try await store.node(id) != nil)
            await #expect(throws: PubSubStoreError.nodeNotFound) {
                try await store.purge(node: Self.nodeID("missing"))
            }
        }
    }

    @Test(arguments: Self.backends) func affiliationChangesMoveSubscriptions(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("affect")
            try await store.createNode(Self.node(id))
            _ = try await store.subscribe(
                Subscription(node: id, jid: JID("bob@localhost/phone"), id: "b1"),
                reuse: .any,
                limit: .max
            )
            _ = try await store.subscribe(
                Subscription(node: id, jid: Self.carol, id: "c1", state: .pending),
                reuse: .any,
                limit: .max
            )
            _ = try await store.subscribe(
                Subscription(node: id, jid: JID("dave@localhost"), id: "d1"),
                reuse: .any,
                limit: .max
            )
            let effects = try await store.setAffiliations(
                node: id,
                [Self.bob: .outcast, Self.carol: .publisher, JID("dave@localhost"): .publishOnly]
            )
            #expect(Set(effects.removed.map(\.id)) == ["b1", "d1"])
            #expect(effects.approved.map(\.id) == ["c1"] && effects.approved.first?.state == .subscribed)
            #expect(try await store.subscriptions(node: id).map(\.id) == ["c1"])
            #expect(try await store.subscriptions(node: id).first?.state == .subscribed)
        }
    }

    @Test(arguments: Self.backends) func statisticsCountNodesAndSubscriptions(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("stats")
            try await store.createNode(Self.node(id))
            _ = try await store.subscribe(Subscription(node: id, jid: Self.bob, id: "s1"), reuse: .any, limit: .max)
            _ = try await store.subscribe(Subscription(node: id, jid: Self.carol, id: "s2"), reuse: .any, limit: .max)
            let after = try await store.statistics()
            switch backend {
            case .memory: #expect(after == StoreStatistics(nodes: 1, subscriptions: 2))
            // Other tests share the database and change it at the same time: at least these exist.
            case .postgres, .cachedPostgres: #expect(after.nodes >= 1 && after.subscriptions >= 2)
            }
            #expect(try await store.deleteNode(id))
        }
    }

    @Test(arguments: Self.backends) func theLastOwnerCannotBeRemoved(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("owners")
            try await store.createNode(Self.node(id))
            await #expect(throws: PubSubStoreError.noOwnerLeft) {
                try await store.setAffiliations(node: id, [Self.alice: .member, Self.bob: .publisher])
            }
            // Nothing of the refused change was kept.
            #expect(try await store.affiliations(node: id) == [Self.alice: .owner])
            try await store.setAffiliations(node: id, [Self.alice: .none, Self.bob: .owner])
            #expect(try await store.affiliations(node: id) == [Self.bob: .owner])
        }
    }
}
