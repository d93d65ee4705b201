import FoundationEssentials
import Testing
import XMPPCore

@testable import PubSub

/// What the cache adds to the store contract (which `StoreContractTests` checks through it): reads are
/// served from memory, writes through it are seen at once (subscriptions without a reload), and
/// changes made behind its back are seen once the node is invalidated.
@Suite struct CachedPubSubStoreTests {
    let base = InMemoryPubSubStore()
    let owner = try! JID("owner@localhost")
    let reader = try! JID("reader@localhost")

    /// A subscription to node "n" that another process writes.
    func subscribeBehindTheCache(_ jid: JID, id: String) async throws {
        _ = try await self.base.subscribe(Subscription(node: "n", jid: jid, id: id), reuse: .any, limit: .max)
    }

    func node(_ id: String) -> Node {
        Node(id: id, configuration: NodeConfiguration(), creator: self.owner, createdAt: Date(timeIntervalSince1970: 0))
    }

    @Test func readsComeFromMemoryUntilTheNodeIsInvalidated() async throws {
        let cache = CachedPubSubStore(self.base)
        try await cache.createNode(self.node("n"))
        #expect(try await cache.subscriptions(node: "n").isEmpty)
        #expect(try await cache.affiliation(node: "n", jid: self.reader) == .none)
        // Another process changes the database: the cache still answers what it loaded.
        try await self.subscribeBehindTheCache(self.reader, id: "s")
        try await self.base.setAffiliations(node: "n", [self.reader: .publisher])
        #expect(try await cache.subscriptions(node: "n").isEmpty)
        #expect(try await cache.affiliation(node: "n", jid: self.reader) == .none)
        cache.invalidate(node: "n")
        #expect(try await cache.subscriptions(node: "n").map(\.id) == ["s"])
        #expect(try await cache.affiliation(node: "n", jid: self.reader) == .publisher)
    }

    @Test func writesThroughTheCacheAreSeenAtOnce() async throws {
        let cache = CachedPubSubStore(self.base)
        try await cache.createNode(self.node("n"))
        #expect(try await cache.node("n")?.configuration.maxItems == NodeConfiguration().maxItems)
        try await cache.configure(node: "n", NodeConfiguration(maxItems: 7))
        #expect(try await cache.node("n")?.configuration.maxItems == 7)
        _ = try await cache.subscriptions(node: "n")
        let subscription = try await cache.subscribe(
            Subscription(node: "n", jid: self.reader, id: "s"),
            reuse: .any,
            limit: .max
        )
        #expect(try await cache.subscriptions(node: "n") == [subscription])
        #expect(try await cache.unsubscribe(node: "n", jid: self.reader, subscriptionID: nil) == 1)
        #expect(try await cache.subscriptions(node: "n").isEmpty)
        #expect(try await cache.deleteNode("n"))
        #expect(try await cache.node("n") == nil)
    }

    @Test func subscriptionChangesAreWrittenThroughWithoutReloading() async throws {
        let cache = CachedPubSubStore(self.base)
        try await cache.createNode(self.node("n"))
        let first = try await cache.subscribe(
            Subscription(node: "n", jid: self.owner, id: "a"),
            reuse: .any,
            limit: .max
        )
        #expect(try await cache.subscriptions(node: "n") == [first])
        // Written behind the cache's back: a reload would show it.
        try await self.subscribeBehindTheCache(self.reader, id: "hidden")
        let second = try await cache.subscribe(
            Subscription(node: "n", jid: self.owner, id: "b", options: SubscriptionOptions(includeBody: true)),
            reuse: .sameOptions,
            limit: .max
        )
        #expect(try await cache.subscriptions(node: "n") == [first, second])
        var pending = first
        pending.state = .pending
        #expect(try await cache.updateSubscription(pending))
        #expect(try await cache.subscriptions(node: "n") == [pending, second])
        #expect(try await cache.unsubscribe(node: "n", jid: self.owner, subscriptionID: "b") == 1)
        #expect(try await cache.subscriptions(node: "n") == [pending])
        // Reusing a subscription the cache does not hold shows it is behind: it reloads.
        let reused = try await cache.subscribe(
            Subscription(node: "n", jid: self.reader, id: "c"),
            reuse: .any,
            limit: .max
        )
        #expect(reused.id == "hidden")
        #expect(try await cache.subscriptions(node: "n").map(\.id) == ["a", "hidden"])
    }

    @Test func overlappingWritesToANodeDropItsEntry() async throws {
        let faulty = PublishFaultStore(fault: .slowSubscribes(.milliseconds(100)))
        let cache = CachedPubSubStore(faulty)
        try await cache.createNode(self.node("n"))
        #expect(try await cache.subscriptions(node: "n").isEmpty)
        async let one = cache.subscribe(Subscription(node: "n", jid: self.owner, id: "a"), reuse: .any, limit: .max)
        async let two = cache.subscribe(Subscription(node: "n", jid: self.reader, id: "b"), reuse: .any, limit: .max)
        _ = try await (one, two)
        // Written behind the cache's back: only a reload shows it.
        _ = try await faulty.base.subscribe(
            Subscription(node: "n", jid: try JID("third@localhost"), id: "c"),
            reuse: .any,
            limit: .max
        )
        #expect(Set(try await cache.subscriptions(node: "n").map(\.id)) == ["a", "b", "c"])
    }

    @Test func anAnswerTheCacheCannotMatchDropsTheNode() async throws {
        let cache = CachedPubSubStore(self.base)
        try await cache.createNode(self.node("n"))
        _ = try await cache.subscribe(Subscription(node: "n", jid: self.owner, id: "a"), reuse: .any, limit: .max)
        #expect(try await cache.subscriptions(node: "n").map(\.id) == ["a"])
        // Behind the cache's back: one more subscription of the same JID, and "a" ended.
        _ = try await self.base.subscribe(
            Subscription(node: "n", jid: self.owner, id: "b", options: SubscriptionOptions(deliver: false)),
            reuse: .sameOptions,
            limit: .max
        )
        #expect(try await self.base.unsubscribe(node: "n", jid: self.owner, subscriptionID: "a") == 1)
        // Updating "a", which is gone: false, and the cache reloads.
        #expect(try await !cache.updateSubscription(Subscription(node: "n", jid: self.owner, id: "a", state: .pending)))
        #expect(try await cache.subscriptions(node: "n").map(\.id) == ["b"])
        // Two removed where the cache held one: it reloads.
        _ = try await self.base.subscribe(
            Subscription(node: "n", jid: self.owner, id: "c"),
            reuse: .sameOptions,
            limit: .max
        )
        #expect(try await cache.unsubscribe(node: "n", jid: self.owner, subscriptionID: nil) == 2)
        try await self.subscribeBehindTheCache(self.reader, id: "d")
        #expect(try await cache.subscriptions(node: "n").map(\.id) == ["d"])
    }

    @Test func aFailedWriteDropsTheNodeAndItsAnnouncementIsNotSkipped() async throws {
        let cache = CachedPubSubStore(self.base)
        try await cache.createNode(self.node("n"))
        #expect(try await cache.node("n") != nil)
        #expect(try await self.base.deleteNode("n"))
        await #expect(throws: PubSubStoreError.nodeNotFound) {
            try await cache.subscribe(Subscription(node: "n", jid: self.owner, id: "a"), reuse: .any, limit: .max)
        }
        #expect(try await cache.node("n") == nil)
        // Had it committed after all, its announcement would name this process: for a while, such
        // announcements still drop the node, even after another one of its own.
        try await self.base.createNode(self.node("n"))
        #expect(try await cache.subscriptions(node: "n").isEmpty)
        try await self.subscribeBehindTheCache(self.reader, id: "late")
        cache.announced(node: "n", own: true)
        #expect(try await cache.subscriptions(node: "n").map(\.id) == ["late"])
        try await self.subscribeBehindTheCache(self.owner, id: "later")
        cache.announced(node: "n", own: true)
        #expect(try await cache.subscriptions(node: "n").map(\.id) == ["late", "later"])
    }

    @Test func ownAnnouncementsAreSkippedAndOthersAreNot() async throws {
        let cache = CachedPubSubStore(self.base)
        try await cache.createNode(self.node("n"))
        #expect(try await cache.subscriptions(node: "n").isEmpty)
        try await self.subscribeBehindTheCache(self.owner, id: "hidden")
        cache.announced(node: "n", own: true)
        #expect(try await cache.subscriptions(node: "n").isEmpty)
        cache.announced(node: "n", own: false)
        #expect(try await cache.subscriptions(node: "n").map(\.id) == ["hidden"])
    }

    @Test func aMissingNodeIsNotRemembered() async throws {
        let cache = CachedPubSubStore(self.base)
        #expect(try await cache.node("later") == nil)
        try await self.base.createNode(self.node("later"))
        #expect(try await cache.node("later")?.id == "later")
    }

    @Test func aPublishToANodeDeletedElsewhereForgetsIt() async throws {
        let cache = CachedPubSubStore(self.base)
        try await cache.createNode(self.node("gone"))
        #expect(try await cache.node("gone") != nil)
        #expect(try await self.base.deleteNode("gone"))
        let item = Item(id: "i", payload: nil, publisher: self.owner, publishedAt: Date(timeIntervalSince1970: 0))
        #expect(try await cache.publish([Publication(node: "gone", item: item)]) == [nil])
        #expect(try await cache.node("gone") == nil)
    }

    @Test func theOldestNodesAreEvictedBeyondCapacity() async throws {
        let cache = CachedPubSubStore(self.base, capacity: 2)
        for id in ["a", "b", "c"] {
            try await cache.createNode(self.node(id))
            _ = try await cache.node(id)
        }
        #expect(cache.cachedNodes == 2)
        // "a" was evicted: a change behind the cache's back is seen without invalidation.
        try await self.base.configure(node: "a", NodeConfiguration(maxItems: 3))
        #expect(try await cache.node("a")?.configuration.maxItems == 3)
    }

    @Test func invalidatingEverythingReloadsEveryNode() async throws {
        let cache = CachedPubSubStore(self.base)
        try await cache.createNode(self.node("x"))
        _ = try await cache.node("x")
        try await self.base.configure(node: "x", NodeConfiguration(maxItems: 5))
        cache.invalidateAll()
        #expect(cache.cachedNodes == 0)
        #expect(try await cache.node("x")?.configuration.maxItems == 5)
    }
}
