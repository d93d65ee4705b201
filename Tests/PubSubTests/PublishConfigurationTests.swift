import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §7.1 under each node configuration: event types, publish models, publish-options.
@Suite struct PublishConfigurationTests {
    typealias H = PubSubTestHarness
    static let item = "<item id='1'><p xmlns='urn:p'>text</p></item>"

    @Test func notificationsWithoutPayloadKeepThePayloadForRetrieval() async throws {
        let harness = try H()
        try await harness.create("n", config: ["pubsub#deliver_payloads": "0"])
        try await harness.subscribe("n", jid: "bob@localhost")
        let outcome = try await harness.send(H.publishXML("n", item: Self.item))
        let message = try #require(outcome.notifications.first)
        let event = try #require(eventItems(message))
        #expect(event.child("item", namespace: Namespace.pubsubEvent)?.elements.isEmpty == true)
        #expect(try await harness.store.items(node: "n", ids: ["1"]).first?.payload == "<p xmlns=\"urn:p\">text</p>")
        // An item without payload is fine here (§7.1.3.6 only requires one for payload nodes).
        let bare = try await harness.send(H.publishXML("n", item: "<item id='2'/>"))
        #expect(bare.reply?[attribute: "type"] == "result")
    }

    @Test func transientNodesDeliverWithoutStoring() async throws {
        let harness = try H()
        try await harness.create("t", config: ["pubsub#persist_items": "false"])
        try await harness.subscribe("t", jid: "bob@localhost")
        let outcome = try await harness.send(H.publishXML("t", item: Self.item))
        #expect(outcome.notifications.count == 1)
        #expect(try await harness.store.itemIDs(node: "t").isEmpty)
        expectError(
            try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", "<items node='t'/>")),
            "cancel",
            "feature-not-implemented",
            pubsub: "unsupported"
        )
        expectError(
            try await harness.iq(
                H.pubsubXML("set", from: "alice@localhost/a", "<retract node='t'><item id='1'/></retract>")
            ),
            "cancel",
            "feature-not-implemented",
            pubsub: "unsupported"
        )
        expectError(
            try await harness.iq(H.publishXML("t", item: "")),
            "modify",
            "bad-request",
            pubsub: "payload-required"
        )
    }

    @Test func transientNotificationOnlyNodesForbidItems() async throws {
        let harness = try H()
        try await harness.create("e", config: ["pubsub#persist_items": "0", "pubsub#deliver_payloads": "0"])
        try await harness.subscribe("e", jid: "bob@localhost")
        expectError(
            try await harness.iq(H.publishXML("e", item: Self.item)),
            "modify",
            "bad-request",
            pubsub: "item-forbidden"
        )
        let outcome = try await harness.send(H.publishXML("e", item: ""))
        #expect(outcome.reply?[attribute: "type"] == "result")
        let message = try #require(outcome.notifications.first)
        let event = try #require(eventItems(message))
        #expect(event[attribute: "node"] == "e" && event.elements.isEmpty)
    }

    @Test func publishModels() async throws {
        let harness = try H()
        try await harness.create("open", config: ["pubsub#publish_model": "open"])
        try await harness.create("subs", config: ["pubsub#publish_model": "subscribers"])
        let bob = "bob@localhost/r"
        #expect(try await harness.iq(H.publishXML("open", item: Self.item, from: bob))[attribute: "type"] == "result")
        expectError(try await harness.iq(H.publishXML("subs", item: Self.item, from: bob)), "auth", "forbidden")
        try await harness.subscribe("subs", jid: "bob@localhost")
        #expect(try await harness.iq(H.publishXML("subs", item: Self.item, from: bob))[attribute: "type"] == "result")
        try await harness.store.setAffiliations(node: "open", [JID("eve@localhost"): .outcast])
        expectError(
            try await harness.iq(H.publishXML("open", item: Self.item, from: "eve@localhost/e")),
            "auth",
            "forbidden"
        )
    }

    @Test func payloadNamespaceMustMatchTheNodeType() async throws {
        let harness = try H()
        try await harness.create("typed", config: ["pubsub#type": "urn:p"])
        #expect(try await harness.iq(H.publishXML("typed", item: Self.item))[attribute: "type"] == "result")
        expectError(
            try await harness.iq(H.publishXML("typed", item: "<item><q xmlns='urn:q'/></item>")),
            "modify",
            "bad-request",
            pubsub: "invalid-payload"
        )
    }

    @Test func normalMessagesAndPublisherStamps() async throws {
        let harness = try H()
        try await harness.create("n", config: ["pubsub#notification_type": "normal", "pubsub#itemreply": "publisher"])
        try await harness.subscribe("n", jid: "bob@localhost")
        let message = try #require(try await harness.send(H.publishXML("n", item: Self.item)).notifications.first)
        #expect(message[attribute: "type"] == "normal")
        #expect(
            eventItems(message)?.child("item", namespace: Namespace.pubsubEvent)?[attribute: "publisher"]
                == "alice@localhost"
        )
        let items = try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", "<items node='n'/>"))
        let item = items.child("pubsub", namespace: Namespace.pubsub)?.child("items", namespace: Namespace.pubsub)?
            .child("item", namespace: Namespace.pubsub)
        #expect(item?[attribute: "publisher"] == "alice@localhost")
    }

    static func publishWithOptions(_ node: String, _ fields: KeyValuePairs<String, [String]>) -> String {
        H.pubsubXML(
            "set",
            from: "alice@localhost/a",
            "<publish node='\(node)'>\(Self.item)</publish><publish-options>"
                + H.form("http://jabber.org/protocol/pubsub#publish-options", fields) + "</publish-options>"
        )
    }

    @Test func publishOptionsArePreconditionsAndShapeAutoCreatedNodes() async throws {
        let harness = try H()
        let created = try await harness.iq(Self.publishWithOptions("auto", ["pubsub#access_model": ["whitelist"]]))
        #expect(created[attribute: "type"] == "result")
        #expect(try await harness.store.node("auto")?.configuration.accessModel == .whitelist)
        #expect(
            try await harness.iq(Self.publishWithOptions("auto", ["pubsub#access_model": ["whitelist"]]))[
                attribute: "type"
            ] == "result"
        )
        for fields: KeyValuePairs<String, [String]> in [
            ["pubsub#access_model": ["open"]], ["pubsub#made_up": ["1"]], ["pubsub#access_model": ["presence"]],
        ] {
            expectError(
                try await harness.iq(Self.publishWithOptions("auto", fields)),
                "cancel",
                "conflict",
                pubsub: "precondition-not-met"
            )
        }
        #expect(try await harness.store.itemIDs(node: "auto") == ["1"])
    }
}
