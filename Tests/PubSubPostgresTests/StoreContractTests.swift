import Foundation
import PostgresNIO
import PubSub
import Testing
import XMPPCore

@testable import PubSubPostgres

/// One behavioural contract, checked against the in-memory store (always), PostgreSQL, and
/// PostgreSQL behind the cache as in production (with the test stack), so the fast domain tests and
/// production cannot drift apart, and the cache never answers what the database would not.
@Suite struct StoreContractTests {
    enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case memory, postgres, cachedPostgres
        var testDescription: String { self.rawValue }
    }

    static var backends: [Backend] { TestDatabase.isConfigured ? Backend.allCases : [.memory] }

    static func withStore(_ backend: Backend, _ body: @Sendable (any PubSubStore) async throws -> Void) async throws {
        switch backend {
        case .memory:
            try await body(InMemoryPubSubStore())
        case .postgres:
            try await TestDatabase.migrated.value
            try await TestDatabase.withClient { client in
                try await body(PostgresPubSubStore(client: client, logger: TestDatabase.logger))
            }
        case .cachedPostgres:
            try await TestDatabase.migrated.value
            try await TestDatabase.withClient { client in
                try await body(CachedPubSubStore(PostgresPubSubStore(client: client, logger: TestDatabase.logger)))
            }
        }
    }

    /// Node IDs unique per test, since Postgres tests share one database.
    static func nodeID(_ name: String) -> String { "\(name)-\(UUID().uuidString)" }

    static let alice = try! JID("alice@localhost")
    static let bob = try! JID("bob@localhost")
    /// PostgreSQL keeps microseconds; .5 is exact in binary and decimal.
    static let created = Date(timeIntervalSince1970: 1_800_000_000.5)

    static func node(
        _ id: String,
        _ configuration: NodeConfiguration = NodeConfiguration(),
        creator: JID = alice
    )
        -> Node
    {
        Node(id: id, configuration: configuration, creator: creator, createdAt: Self.created)
    }

    static func all(_ limit: Int? = nil, budget: Int = .max, from start: ItemQuery.Start = .newest) -> ItemQuery {
        ItemQuery(start: start, limit: limit, byteBudget: budget)
    }

    static func item(_ id: String, _ text: String) throws -> Item {
        Item(
            id: id,
            payload: "<entry xmlns=\"http://www.w3.org/2005/Atom\" xmlns:a0=\"urn:x\" a0:a=\"&quot;q&quot;\">"
                + "<title>\(text) &amp; &lt;more&gt; ✓</title></entry>",
            publisher: Self.alice,
            publishedAt: Self.created
        )
    }

    @Test(arguments: Self.backends) func createNodeOnceWithOwner(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("create")
            let node = Self.node(id, NodeConfiguration(title: "T"))
            try await store.createNode(node)
            await #expect(throws: PubSubStoreError.nodeExists) {
                try await store.createNode(Self.node(id, creator: Self.bob))
            }
            #expect(try await store.node(id) == node)
            #expect(try await store.nodes().contains(node))
            #expect(try await store.affiliation(node: id, jid: JID("alice@localhost/other")) == .owner)
            #expect(try await store.affiliation(node: id, jid: Self.bob) == .none)
            #expect(try await store.node(Self.nodeID("missing")) == nil)
        }
    }

    @Test(arguments: Self.backends) func plainSubscribesReuseTheJIDsSubscription(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("subs")
            try await store.createNode(Self.node(id))
            let first = try await store.subscribe(
                Subscription(node: id, jid: Self.bob, id: "s1"),
                reuse: .any,
                limit: .max
            )
            let again = try await store.subscribe(
                Subscription(node: id, jid: Self.bob, id: "s2"),
                reuse: .any,
                limit: .max
            )
            #expect(first.id == "s1" && again.id == "s1")
            _ = try await store.subscribe(Subscription(node: id, jid: Self.alice, id: "s3"), reuse: .any, limit: .max)
            #expect(try await store.subscriptions(node: id).map(\.jid) == [Self.bob, Self.alice])
            #expect(try await store.unsubscribe(node: id, jid: Self.bob, subscriptionID: "wrong") == 0)
            #expect(try await store.unsubscribe(node: id, jid: Self.bob, subscriptionID: nil) == 1)
            #expect(try await store.subscriptions(node: id).map(\.id) == ["s3"])
            await #expect(throws: PubSubStoreError.nodeNotFound) {
                try await store.subscribe(
                    Subscription(node: Self.nodeID("missing"), jid: Self.bob, id: "s4"),
                    reuse: .any,
                    limit: .max
                )
            }
        }
    }

    @Test(arguments: Self.backends) func publishKeepsPayloadOrderAndMaxItems(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("items")
            try await store.createNode(Self.node(id, NodeConfiguration(maxItems: 3)))
            var sequences: [Int64] = []
            for (itemID, text) in [("a", "1"), ("b", "2"), ("c", "3"), ("b", "4"), ("d", "5")] {
                sequences.append(try await store.publish(try Self.item(itemID, text), node: id))
            }
            // A republished ID takes a new place in the order; trimmed items keep theirs used.
            #expect(sequences == [1, 2, 3, 4, 5])
            let items = try await store.items(node: id, query: Self.all()).items
            #expect(items.map(\.id) == ["d", "b", "c"])
            #expect(items[1] == (try Self.item("b", "4")))
            #expect(try await store.items(node: id, query: Self.all(2)).items.map(\.id) == ["d", "b"])
            #expect(try await store.items(node: id, ids: ["d", "a", "c"]).map(\.id) == ["d", "c"])
            await #expect(throws: PubSubStoreError.nodeNotFound) {
                try await store.publish(try Self.item("x", "x"), node: Self.nodeID("missing"))
            }
        }
    }

    @Test(arguments: Self.backends) func aBatchIsStoredInOrderAcrossNodes(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let (first, second) = (Self.nodeID("batch-a"), Self.nodeID("batch-b"))
            try await store.createNode(Self.node(first, NodeConfiguration(maxItems: 3)))
            try await store.createNode(Self.node(second))
            try await store.publish(try Self.item("old", "0"), node: first)
            let batch = [
                Publication(node: first, item: try Self.item("a", "1")),
                Publication(node: second, item: try Self.item("a", "2")),
                Publication(node: Self.nodeID("missing"), item: try Self.item("x", "x")),
                Publication(node: first, item: try Self.item("b", "3")),
                Publication(node: first, item: try Self.item("a", "4")),
                Publication(node: first, item: try Self.item("c", "5")),
                Publication(
                    node: second,
                    item: Item(id: "bare", payload: nil, publisher: Self.alice, publishedAt: Date())
                ),
            ]
            // Sequences follow the batch's order per node; the missing node's item alone is refused.
            #expect(try await store.publish(batch) == [2, 1, nil, 3, 4, 5, 2])
            // The repeated ItemID keeps its last payload and place; max_items counts the whole batch.
            let items = try await store.items(node: first, query: Self.all()).items
            #expect(items.map(\.id) == ["c", "a", "b"])
            #expect(items[1].payload == (try Self.item("a", "4")).payload)
            let others = try await store.items(node: second, query: Self.all()).items
            #expect(others.map(\.id) == ["bare", "a"])
            #expect(others[0].payload == nil)
            #expect(try await store.publish([]) == [])
        }
    }

    @Test(arguments: Self.backends) func maxItemsOfOneKeepsOnlyTheNewest(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("one")
            try await store.createNode(Self.node(id, NodeConfiguration(maxItems: 1)))
            for itemID in ["a", "b", "c"] {
                try await store.publish(try Self.item(itemID, itemID), node: id)
            }
            #expect(try await store.items(node: id, query: Self.all()).items.map(\.id) == ["c"])
        }
    }
}

@Suite(.enabled(if: TestDatabase.isConfigured, "needs HERALD_TEST_POSTGRES_URL"))
struct PostgresConcurrencyTests {
    @Test func concurrentPublishesNeverExceedMaxItems() async throws {
        try await TestDatabase.migrated.value
        let id = StoreContractTests.nodeID("race")
        try await TestDatabase.withClient { (client: PostgresClient) async throws -> Void in
            let store = PostgresPubSubStore(client: client, logger: TestDatabase.logger)
            try await store.createNode(StoreContractTests.node(id, NodeConfiguration(maxItems: 3)))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<40 {
                    group.addTask { try await store.publish(try StoreContractTests.item("i\(n)", "\(n)"), node: id) }
                }
                try await group.waitForAll()
            }
            let page = try await store.items(node: id, query: StoreContractTests.all())
            #expect(page.total == 3)
            #expect(page.items.count == 3)
        }
    }

    @Test func concurrentSubscribesOfOneJIDShareOneSubscription() async throws {
        try await TestDatabase.migrated.value
        let id = StoreContractTests.nodeID("subrace")
        // A JID of its own: the test database outlives runs, and the limit counts across nodes.
        let subscriber = try JID("racer-\(UUID().uuidString.prefix(8).lowercased())@localhost")
        try await TestDatabase.withClient { (client: PostgresClient) async throws -> Void in
            let store = PostgresPubSubStore(client: client, logger: TestDatabase.logger)
            try await store.createNode(StoreContractTests.node(id))
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for n in 0..<10 {
                    group.addTask {
                        try await store.subscribe(
                            Subscription(node: id, jid: subscriber, id: "s\(n)"),
                            reuse: .sameOptions,
                            limit: 100
                        ).id
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
            #expect(try await store.subscriptions(node: id).count == 1)
        }
    }
}

@Suite(.enabled(if: TestDatabase.isConfigured, "needs HERALD_TEST_POSTGRES_URL"))
struct PostgresDurabilityTests {
    @Test func stateSurvivesANewClient() async throws {
        try await TestDatabase.migrated.value
        let id = StoreContractTests.nodeID("durable")
        try await TestDatabase.withClient { client in
            let store = PostgresPubSubStore(client: client, logger: TestDatabase.logger)
            try await store.createNode(StoreContractTests.node(id, NodeConfiguration(title: "kept", maxItems: 7)))
            let options = SubscriptionOptions(deliver: false, showValues: [.chat], expire: .presence)
            _ = try await store.subscribe(
                Subscription(node: id, jid: StoreContractTests.bob, id: "sub", options: options),
                reuse: .any,
                limit: .max
            )
            try await store.publish(try StoreContractTests.item("i", "kept"), node: id)
        }
        try await TestDatabase.withClient { (client: PostgresClient) async throws -> Void in
            let store = PostgresPubSubStore(client: client, logger: TestDatabase.logger)
            #expect(try await store.node(id)?.configuration == NodeConfiguration(title: "kept", maxItems: 7))
            #expect(try await store.subscriptions(node: id).map(\.id) == ["sub"])
            #expect(try await store.subscriptions(node: id).first?.options.showValues == [.chat])
            #expect(
                try await store.items(node: id, query: StoreContractTests.all()).items == [
                    try StoreContractTests.item("i", "kept")
                ]
            )
        }
    }
}
