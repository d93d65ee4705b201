import Foundation
import PubSub
import Testing
import XMPPCore

extension StoreContractTests {
    @Test(arguments: Self.backends) func pagesStopAtTheByteBudgetButKeepTheNewest(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("budget")
            try await store.createNode(Self.node(id))
            for itemID in ["a", "b", "c", "d"] {
                try await store.publish(try Self.item(itemID, itemID), node: id)
            }
            let size = try #require(try Self.item("a", "a").payload).utf8.count
            let page = try await store.items(node: id, query: Self.all(budget: 2 * size + 1))
            #expect(page.items.map(\.id) == ["d", "c"])
            #expect(page.total == 4 && page.firstIndex == 0)
            let tiny = try await store.items(node: id, query: Self.all(budget: 1))
            #expect(tiny.items.map(\.id) == ["d"])
            let limited = try await store.items(node: id, query: Self.all(3))
            #expect(limited.items.map(\.id) == ["d", "c", "b"] && limited.total == 4)
            // Towards newer items from an anchor, the budget keeps those next to the anchor.
            let before = try await store.items(node: id, query: Self.all(budget: 2 * size + 1, from: .before("a")))
            #expect(before.items.map(\.id) == ["c", "b"] && before.firstIndex == 1)
            #expect(try await store.itemIDs(node: id) == ["d", "c", "b", "a"])
            #expect(try await store.retract(node: id, itemID: "b"))
            #expect(try await !store.retract(node: id, itemID: "b"))
            #expect(try await !store.retract(node: Self.nodeID("missing"), itemID: "a"))
            #expect(try await store.itemIDs(node: id) == ["d", "c", "a"])
        }
    }

    @Test(arguments: Self.backends) func everyPageStart(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("pages")
            try await store.createNode(Self.node(id))
            for n in 1...6 {
                try await store.publish(try Self.item("i\(n)", "\(n)"), node: id)
            }
            func page(_ start: ItemQuery.Start, _ limit: Int?) async throws -> ([String], Int, Int) {
                let page = try await store.items(node: id, query: Self.all(limit, from: start))
                return (page.items.map(\.id), page.firstIndex, page.total)
            }
            #expect(try await page(.newest, 2) == (["i6", "i5"], 0, 6))
            #expect(try await page(.after("i5"), 2) == (["i4", "i3"], 2, 6))
            #expect(try await page(.after("i1"), 2) == ([], 0, 6))
            #expect(try await page(.before("i3"), 2) == (["i5", "i4"], 1, 6))
            #expect(try await page(.before("i6"), 2) == ([], 0, 6))
            #expect(try await page(.oldest, 2) == (["i2", "i1"], 4, 6))
            #expect(try await page(.index(3), nil) == (["i3", "i2", "i1"], 3, 6))
            #expect(try await page(.index(9), 2) == ([], 9, 6))
            await #expect(throws: PubSubStoreError.itemNotFound) { try await page(.after("nope"), 2) }
            await #expect(throws: PubSubStoreError.itemNotFound) { try await page(.before("nope"), 2) }
        }
    }

    /// Six items i1…i6 (i6 newest); i3 has no payload, so it costs no bytes. Returns each payload's size.
    static func publishSix(_ store: any PubSubStore, node id: String) async throws -> Int {
        for n in 1...6 {
            var item = try Self.item("i\(n)", "\(n)")
            if n == 3 { item.payload = nil }
            try await store.publish(item, node: id)
        }
        return try #require(try Self.item("i1", "1").payload).utf8.count
    }

    @Test(arguments: Self.backends) func byteBudgetFromEveryStart(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("budgets")
            try await store.createNode(Self.node(id))
            let size = try await Self.publishSix(store, node: id)
            func page(_ start: ItemQuery.Start, budget: Int) async throws -> ([String], Int, Int) {
                let page = try await store.items(node: id, query: Self.all(budget: budget, from: start))
                return (page.items.map(\.id), page.firstIndex, page.total)
            }
            let two = 2 * size + 1
            #expect(try await page(.newest, budget: two) == (["i6", "i5"], 0, 6))
            // Older from i5: i4, then i3 for free, then i2; i1 would pass the budget.
            #expect(try await page(.after("i5"), budget: two) == (["i4", "i3", "i2"], 2, 6))
            #expect(try await page(.index(4), budget: two) == (["i2", "i1"], 4, 6))
            // Newer from the oldest, returned newest first: i1, i2, then i3 for free.
            #expect(try await page(.oldest, budget: two) == (["i3", "i2", "i1"], 3, 6))
            #expect(try await page(.before("i2"), budget: two) == (["i5", "i4", "i3"], 1, 6))
            // One item always, even over the budget; a free item still fits a budget of 0.
            #expect(try await page(.oldest, budget: 1) == (["i1"], 5, 6))
            #expect(try await page(.before("i3"), budget: 0) == (["i4"], 2, 6))
            #expect(try await page(.after("i4"), budget: 0) == (["i3"], 3, 6))
            let limited = try await store.items(node: id, query: Self.all(1, budget: two, from: .after("i4")))
            #expect(limited.items.map(\.id) == ["i3"] && limited.firstIndex == 3)
            var free = try Self.item("i3", "3")
            free.payload = nil
            #expect(try await store.items(node: id, ids: ["i3", "i1"]) == [free, try Self.item("i1", "1")])
        }
    }

    @Test(arguments: Self.backends) func emptyAndMissingNodesHaveEmptyPages(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("empty")
            try await store.createNode(Self.node(id))
            for node in [id, Self.nodeID("missing")] {
                for start in [ItemQuery.Start.newest, .oldest, .index(0)] {
                    #expect(
                        try await store.items(node: node, query: Self.all(from: start))
                            == ItemPage(items: [], total: 0, firstIndex: 0)
                    )
                }
                await #expect(throws: PubSubStoreError.itemNotFound) {
                    try await store.items(node: node, query: Self.all(from: .after("i1")))
                }
                #expect(try await store.itemIDs(node: node) == [])
                #expect(try await store.items(node: node, ids: ["i1"]) == [])
            }
        }
    }
}
