import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §8.2 and §8.3.
@Suite struct ConfigureTests {
    typealias H = PubSubTestHarness
    static let nodeConfig = "http://jabber.org/protocol/pubsub#node_config"

    static func fields(_ form: XMLElement?) -> [String: [String]] {
        var fields: [String: [String]] = [:]
        for field in form?.elements ?? [] where field.name == "field" {
            fields[field[attribute: "var"] ?? ""] = field.elements.filter { $0.name == "value" }.map(\.text)
        }
        return fields
    }

    @Test func ownerGetsTheFormWithEveryRegisteredField() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n", config: ["pubsub#title": "News", "pubsub#max_items": "5"])
        let reply = try await harness.iq(H.ownerXML("get", "<configure node='n'/>"))
        let configure = try #require(H.ownerChild(reply, "configure"))
        #expect(configure[attribute: "node"] == "n")
        let form = configure.child("x", namespace: Namespace.dataForms)
        #expect(form?[attribute: "type"] == "form")
        let fields = Self.fields(form)
        #expect(fields["FORM_TYPE"] == [Self.nodeConfig])
        #expect(fields["pubsub#title"] == ["News"])
        #expect(fields["pubsub#max_items"] == ["5"])
        #expect(fields["pubsub#max_payload_size"] == ["\(PubSubLimits().maxPayloadBytes)"])
        #expect(fields["pubsub#item_expire"] == ["max"])
        for name in [
            "pubsub#description", "pubsub#type", "pubsub#access_model", "pubsub#publish_model",
            "pubsub#deliver_payloads", "pubsub#deliver_notifications", "pubsub#notify_config",
            "pubsub#notify_delete", "pubsub#notify_retract", "pubsub#notify_sub", "pubsub#persist_items",
            "pubsub#send_last_published_item", "pubsub#presence_based_delivery", "pubsub#notification_type",
            "pubsub#roster_groups_allowed", "pubsub#itemreply", "pubsub#language", "pubsub#contact",
            "pubsub#subscribe", "pubsub#tempsub", "pubsub#purge_offline", "pubsub#node_type",
        ] {
            #expect(fields[name] != nil, "missing \(name)")
        }
        let accessModel = form?.elements.first { $0[attribute: "var"] == "pubsub#access_model" }
        #expect(accessModel?[attribute: "type"] == "list-single")
    }

    @Test func errorCases() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        expectError(
            try await harness.iq(H.ownerXML("get", from: "bob@localhost/b", "<configure node='n'/>")),
            "auth",
            "forbidden"
        )
        expectError(
            try await harness.iq(H.ownerXML("get", "<configure/>")),
            "modify",
            "bad-request",
            pubsub: "nodeid-required"
        )
        expectError(try await harness.iq(H.ownerXML("get", "<configure node='gone'/>")), "cancel", "item-not-found")
        expectError(try await harness.iq(H.ownerXML("set", "<configure node='n'/>")), "modify", "bad-request")
        let submit = { (fields: KeyValuePairs<String, [String]>) in
            H.ownerXML("set", "<configure node='n'>\(H.form(Self.nodeConfig, fields))</configure>")
        }
        for invalid: KeyValuePairs<String, [String]> in [
            ["pubsub#max_items": ["0"]], ["pubsub#item_expire": ["soon"]], ["pubsub#deliver_payloads": ["maybe"]],
            ["pubsub#max_payload_size": ["\(PubSubLimits().maxPayloadBytes + 1)"]], ["pubsub#purge_offline": ["1"]],
            ["pubsub#dataform_xslt": ["http://example.com/x.xslt"]], ["pubsub#contact": ["@nope"]],
            ["pubsub#frobnicate": ["1"]],
        ] {
            expectError(try await harness.iq(submit(invalid)), "modify", "not-acceptable")
        }
        expectError(
            try await harness.iq(submit(["pubsub#access_model": ["roster"]])),
            "modify",
            "not-acceptable",
            pubsub: "unsupported-access-model"
        )
        expectError(
            try await harness.iq(submit(["pubsub#node_type": ["collection"]])),
            "cancel",
            "feature-not-implemented",
            pubsub: "unsupported"
        )
        #expect(try await harness.store.node("n")?.configuration == NodeConfiguration())
    }

    @Test func submitChangesTrimsAndCancelKeeps() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        for index in 1...4 {
            _ = try await harness.send(H.publishXML("n", item: "<item id='i\(index)'><v xmlns='urn:v'/></item>"))
        }
        let cancel = "<configure node='n'><x xmlns='jabber:x:data' type='cancel'/></configure>"
        #expect(try await harness.iq(H.ownerXML("set", cancel))[attribute: "type"] == "result")
        #expect(try await harness.store.node("n")?.configuration == NodeConfiguration())
        let form = H.form(Self.nodeConfig, ["pubsub#title": ["Renamed"], "pubsub#max_items": ["2"]])
        let reply = try await harness.iq(H.ownerXML("set", "<configure node='n'>\(form)</configure>"))
        #expect(reply[attribute: "type"] == "result")
        let configuration = try #require(try await harness.store.node("n")?.configuration)
        #expect(configuration.title == "Renamed" && configuration.maxItems == 2)
        // §8.2: a smaller max_items removes the oldest items at once.
        #expect(try await harness.store.itemIDs(node: "n") == ["i4", "i3"])
    }

    @Test(arguments: [true, false]) func notifyConfigSendsTheNewConfiguration(deliverPayloads: Bool) async throws {
        let harness = try PubSubTestHarness()
        try await harness.create(
            "n",
            config: ["pubsub#notify_config": "1", "pubsub#deliver_payloads": deliverPayloads ? "1" : "0"]
        )
        try await harness.subscribe("n", jid: "bob@localhost")
        let form = H.form(Self.nodeConfig, ["pubsub#title": ["Renamed"]])
        let outcome = try await harness.send(H.ownerXML("set", "<configure node='n'>\(form)</configure>"))
        #expect(outcome.reply?[attribute: "type"] == "result")
        let message = try #require(outcome.notifications.first)
        #expect(outcome.notifications.count == 1 && message[attribute: "to"] == "bob@localhost")
        let configuration = H.eventChild(message)
        #expect(configuration?.name == "configuration" && configuration?[attribute: "node"] == "n")
        let carried = configuration?.child("x", namespace: Namespace.dataForms)
        #expect((carried != nil) == deliverPayloads)
        if deliverPayloads {
            #expect(carried?[attribute: "type"] == "result")
            #expect(Self.fields(carried)["pubsub#title"] == ["Renamed"])
        }
    }

    @Test func noNotificationWithoutNotifyConfig() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        try await harness.subscribe("n", jid: "bob@localhost")
        let form = H.form(Self.nodeConfig, ["pubsub#title": ["Quiet"]])
        let outcome = try await harness.send(H.ownerXML("set", "<configure node='n'>\(form)</configure>"))
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(outcome.notifications.isEmpty)
    }

    @Test func defaultConfiguration() async throws {
        let harness = try PubSubTestHarness()
        let reply = try await harness.iq(H.ownerXML("get", "<default/>"))
        let form = H.ownerChild(reply, "default")?.child("x", namespace: Namespace.dataForms)
        let fields = Self.fields(form)
        #expect(form?[attribute: "type"] == "form")
        #expect(fields["pubsub#access_model"] == ["open"])
        #expect(fields["pubsub#max_items"] == ["\(NodeConfiguration.defaultMaxItems)"])
        expectError(
            try await harness.iq(H.ownerXML("get", "<default type='collection'/>")),
            "cancel",
            "feature-not-implemented",
            pubsub: "unsupported"
        )
    }

    @Test func itemsExpireAfterItemExpire() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n", config: ["pubsub#item_expire": "60"])
        _ = try await harness.send(H.publishXML("n", item: "<item id='old'><v xmlns='urn:v'/></item>"))
        harness.clock.advance(by: 45)
        _ = try await harness.send(H.publishXML("n", item: "<item id='new'><v xmlns='urn:v'/></item>"))
        harness.clock.advance(by: 30)
        let reply = try await harness.iq(H.pubsubXML("get", from: "bob@localhost/b", "<items node='n'/>"))
        let items = reply.child("pubsub", namespace: Namespace.pubsub)?.child("items", namespace: Namespace.pubsub)
        #expect(items?.elements.compactMap { $0[attribute: "id"] } == ["new"])
        #expect(try await harness.store.itemIDs(node: "n") == ["new"])
    }

    @Test func theSweepExpiresItemsWithoutAnyRead() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n", config: ["pubsub#item_expire": "60"])
        try await harness.create("kept")
        _ = try await harness.send(H.publishXML("n", item: "<item id='old'><v xmlns='urn:v'/></item>"))
        _ = try await harness.send(H.publishXML("kept", item: "<item id='old'><v xmlns='urn:v'/></item>"))
        harness.clock.advance(by: 61)
        try await harness.service.expireItemsEverywhere()
        #expect(try await harness.store.itemIDs(node: "n").isEmpty)
        #expect(try await harness.store.itemIDs(node: "kept") == ["old"])
    }

    @Test func nodePayloadLimitNarrowsTheService() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n", config: ["pubsub#max_payload_size": "40"])
        let small = try await harness.iq(H.publishXML("n", item: "<item><v xmlns='urn:v'/></item>"))
        #expect(small[attribute: "type"] == "result")
        let big = String(repeating: "x", count: 64)
        let reply = try await harness.iq(H.publishXML("n", item: "<item><v xmlns='urn:v'>\(big)</v></item>"))
        expectError(reply, "modify", "not-acceptable", pubsub: "payload-too-big")
    }

    @Test func subscribeOffAndTempsub() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("closed", config: ["pubsub#subscribe": "0"])
        let refused = try await harness.iq(
            H.pubsubXML("set", from: "bob@localhost/b", "<subscribe node='closed' jid='bob@localhost'/>")
        )
        expectError(refused, "cancel", "feature-not-implemented", pubsub: "unsupported")
        try await harness.create("temp", config: ["pubsub#tempsub": "1"])
        try await harness.subscribe("temp", jid: "bob@localhost")
        let subscription = try #require(try await harness.store.subscriptions(node: "temp").first)
        #expect(subscription.options.expire == .presence)
        // §12.5 "force": a lease asked for later does not undo it.
        let lease = H.form(H.subscribeOptions, ["pubsub#expire": ["2099-01-01T00:00:00Z"]])
        let set = try await harness.iq(
            H.pubsubXML("set", from: "bob@localhost/r", "<options node='temp' jid='bob@localhost'>\(lease)</options>")
        )
        #expect(set[attribute: "type"] == "result")
        #expect(try await harness.store.subscriptions(node: "temp").first?.options.expire == .presence)
    }
}
