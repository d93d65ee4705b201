import Testing
import XMPPCore

@testable import PubSub

@Suite struct RetractTests {
    static func retractXML(
        _ node: String?,
        _ inner: String,
        notify: String? = nil,
        from: String = "alice@localhost/a"
    )
        -> String
    {
        let nodeAttribute = node.map { " node='\($0)'" } ?? ""
        let notifyAttribute = notify.map { " notify='\($0)'" } ?? ""
        return
            "<iq type='set' id='rt' from='\(from)' to='pubsub.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            + "<retract\(nodeAttribute)\(notifyAttribute)>\(inner)</retract></pubsub></iq>"
    }

    static func withPublishedItem() async throws -> PubSubTestHarness {
        let harness = try PubSubTestHarness()
        try await harness.create("news")
        try await harness.subscribe("news", jid: "bob@localhost")
        _ = try await harness.send(
            PubSubTestHarness.publishXML("news", item: "<item id='i1'><v xmlns='urn:v'>1</v></item>")
        )
        return harness
    }

    @Test(arguments: ["true", "1"]) func retractWithNotifyDeletesAndTellsSubscribers(notify: String) async throws {
        let harness = try await Self.withPublishedItem()
        let outcome = try await harness.send(Self.retractXML("news", "<item id='i1'/>", notify: notify))
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(outcome.notifications.count == 1)
        let message = try #require(outcome.notifications.first)
        #expect(message[attribute: "to"] == "bob@localhost")
        let items = eventItems(message)
        #expect(items?[attribute: "node"] == "news")
        #expect(items?.elements == [XMLElement("retract", namespace: Namespace.pubsubEvent, attributes: ["id": "i1"])])
        #expect(try await harness.service.store.itemIDs(node: "news").isEmpty)
    }

    @Test(arguments: ["false", "0"]) func retractWithNotifyFalseIsSilent(notify: String) async throws {
        let harness = try await Self.withPublishedItem()
        let outcome = try await harness.send(Self.retractXML("news", "<item id='i1'/>", notify: notify))
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(outcome.notifications.isEmpty)
        #expect(try await harness.service.store.itemIDs(node: "news").isEmpty)
    }

    /// §7.2.2.1: without a notify attribute, pubsub#notify_retract decides.
    @Test(arguments: [("1", 1), ("0", 0)]) func retractWithoutNotifyFollowsTheNode(
        notifyRetract: String,
        expected: Int
    ) async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("news", config: ["pubsub#notify_retract": notifyRetract])
        try await harness.subscribe("news", jid: "bob@localhost")
        _ = try await harness.send(
            PubSubTestHarness.publishXML("news", item: "<item id='i1'><v xmlns='urn:v'/></item>")
        )
        let outcome = try await harness.send(Self.retractXML("news", "<item id='i1'/>"))
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(outcome.notifications.count == expected)
    }

    @Test func errorCasesOfSection723() async throws {
        let harness = try await Self.withPublishedItem()
        expectError(
            try await harness.iq(Self.retractXML(nil, "<item id='i1'/>")),
            "modify",
            "bad-request",
            pubsub: "nodeid-required"
        )
        expectError(try await harness.iq(Self.retractXML("news", "")), "modify", "bad-request", pubsub: "item-required")
        expectError(
            try await harness.iq(Self.retractXML("news", "<item/>")),
            "modify",
            "bad-request",
            pubsub: "item-required"
        )
        expectError(try await harness.iq(Self.retractXML("nope", "<item id='i1'/>")), "cancel", "item-not-found")
        expectError(try await harness.iq(Self.retractXML("news", "<item id='zz'/>")), "cancel", "item-not-found")
        expectError(
            try await harness.iq(Self.retractXML("news", "<item id='i1'/>", from: "eve@localhost/e")),
            "auth",
            "forbidden"
        )
        expectError(
            try await harness.iq(Self.retractXML("news", "<item id='i1'/>", notify: "yes")),
            "modify",
            "bad-request"
        )
        #expect(try await harness.service.store.itemIDs(node: "news") == ["i1"])
    }
}
