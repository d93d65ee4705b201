import NIOConcurrencyHelpers
import Testing
import XMPPCore

@testable import PubSub

/// The group commit (issue 7): stanzas handled as a batch answer exactly as they would one by
/// one, publishes keep their order per node, and no publish is answered as done unless its
/// commit happened.
extension PubSubService {
    /// Every outcome of a batch, in order.
    func handleAll(_ stanzas: [XMLElement]) async -> [PubSubOutcome] {
        var outcomes: [PubSubOutcome] = []
        await self.handle(stanzas) { _, outcome, _ in outcomes.append(outcome) }
        return outcomes
    }
}

@Suite struct BatchPublishTests {
    static func publish(_ node: String, _ id: String, from: String = "alice@localhost/a") -> String {
        PubSubTestHarness.publishXML(
            node,
            item: "<item id='\(id)'><entry xmlns='urn:example'>\(id)</entry></item>",
            from: from
        )
    }

    /// Nodes `a` (two items at most) and `t` (keeps no items); bob subscribes to both.
    static func prepared(_ harness: PubSubTestHarness) async throws {
        try await harness.create("a", config: ["pubsub#max_items": "2"])
        try await harness.create("t", config: ["pubsub#persist_items": "0"])
        try await harness.subscribe("a", jid: "bob@localhost")
        try await harness.subscribe("t", jid: "bob@localhost")
    }

    static func wire(_ outcomes: [PubSubOutcome]) -> [String] {
        outcomes.flatMap { outcome in
            ([outcome.reply].compactMap { $0 } + outcome.notifications).map {
                XMLSerializer.serialize($0, inheritedNamespace: Namespace.component)
            } + ["sequence \(outcome.sequence.map(String.init) ?? "-")"]
        }
    }

    @Test func aBatchAnswersAsTheSameStanzasOneByOne() async throws {
        let stanzas = try [
            Self.publish("a", "a1"),
            Self.publish("t", "t1"),
            Self.publish("a", "a2"),
            Self.publish("a", "m1", from: "mallory@localhost/m"),  // forbidden, between two publishes
            Self.publish("a", "a1"),  // a republished ItemID within the batch
            PubSubTestHarness.pubsubXML("get", from: "bob@localhost/r", "<items node='a'/>"),
            Self.publish("fresh", "f1"),  // auto-created
            Self.publish("a", "a3"),
            Self.publish("a", "a4"),
        ].map(PubSubTestHarness.stanza)
        let batched = try PubSubTestHarness()
        let single = try PubSubTestHarness()
        try await Self.prepared(batched)
        try await Self.prepared(single)

        var delivered: [Int] = []
        var together: [PubSubOutcome] = []
        await batched.service.handle(stanzas) { index, outcome, _ in
            delivered.append(index)
            together.append(outcome)
        }
        var oneByOne: [PubSubOutcome] = []
        for stanza in stanzas {
            oneByOne.append(await single.service.handle(stanza))
        }

        #expect(Self.wire(together) == Self.wire(oneByOne))
        #expect(delivered == Array(stanzas.indices), "each outcome is delivered once, in the stanzas' order")
        #expect(together.map(\.sequence) == [1, nil, 2, nil, 3, nil, 1, 4, 5])
        #expect(try await batched.store.itemIDs(node: "a") == ["a4", "a3"])
        #expect(try await batched.store.itemIDs(node: "fresh") == ["f1"])
        expectError(together[3].reply!, "auth", "forbidden")
    }

    @Test func publishesToANodeAreNotifiedInTheirOrder() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("ordered", config: ["pubsub#max_items": "100"])
        try await harness.subscribe("ordered", jid: "bob@localhost")
        let ids = (1...40).map { "i\($0)" }
        let outcomes = await harness.service.handleAll(
            try ids.map { try PubSubTestHarness.stanza(Self.publish("ordered", $0)) }
        )
        #expect(outcomes.map(\.sequence) == (1...40).map { Int64($0) })
        let notified = outcomes.flatMap(\.notifications).map {
            eventItems($0)?.child("item", namespace: Namespace.pubsubEvent)?[attribute: "id"]
        }
        #expect(notified == ids)
        #expect(try await harness.store.itemIDs(node: "ordered") == ids.reversed())
    }

    @Test func aFailedCommitAnswersEveryStoringPublishWithAnError() async throws {
        let harness = try PubSubTestHarness(base: PublishFaultStore(fault: .fails))
        try await Self.prepared(harness)
        let outcomes = await harness.service.handleAll(
            try [Self.publish("a", "a1"), Self.publish("t", "t1"), Self.publish("a", "a2")].map(
                PubSubTestHarness.stanza
            )
        )
        for stored in [outcomes[0], outcomes[2]] {
            expectError(stored.reply!, "wait", "internal-server-error")
            #expect(stored.notifications.isEmpty)
        }
        // The notification-only publish stores nothing, so it is done and notified all the same.
        #expect(outcomes[1].reply?[attribute: "type"] == "result")
        #expect(outcomes[1].notifications.map { $0[attribute: "to"] } == ["bob@localhost"])
    }

    @Test func aCommitPastTheDeadlineIsAnsweredAsUnknownAndTheOtherAnswersKept() async throws {
        let harness = try PubSubTestHarness(
            limits: PubSubLimits(requestTimeout: .milliseconds(200)),
            base: PublishFaultStore(fault: .hangs)
        )
        try await Self.prepared(harness)
        let outcomes = await harness.service.handleAll(
            try [Self.publish("a", "m1", from: "mallory@localhost/m"), Self.publish("a", "a1")]
                .map(PubSubTestHarness.stanza)
        )
        expectError(outcomes[0].reply!, "auth", "forbidden")
        expectError(outcomes[1].reply!, "wait", "internal-server-error")
        #expect(outcomes[1].reply.map { XMLSerializer.serialize($0) }?.contains("may still take effect") == true)
        #expect(outcomes.allSatisfy { $0.notifications.isEmpty })
    }

    @Test func workAbandonedAtItsDeadlineDoesNotCommit() async throws {
        let store = PublishFaultStore(fault: .slowSubscriptions(.milliseconds(400)))
        let harness = try PubSubTestHarness(limits: PubSubLimits(requestTimeout: .milliseconds(100)), base: store)
        try await Self.prepared(harness)
        harness.store.invalidate(node: "a")
        let calls = store.publishCalls.withLockedValue { $0 }
        let outcomes = await harness.service.handleAll(try [Self.publish("a", "late")].map(PubSubTestHarness.stanza))
        expectError(outcomes[0].reply!, "wait", "internal-server-error")
        // The check finishes after the deadline; the run must then stop short of its commit.
        try await Task.sleep(for: .milliseconds(600))
        #expect(store.publishCalls.withLockedValue { $0 } == calls)
        #expect(try await harness.store.itemIDs(node: "a").isEmpty)
    }
}
