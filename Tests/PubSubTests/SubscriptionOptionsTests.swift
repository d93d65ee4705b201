import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §6.3 and §6.4: subscription options and their effects.
@Suite struct SubscriptionOptionsTests {
    typealias H = PubSubTestHarness

    static func optionsXML(
        _ type: String,
        node: String = "n",
        jid: String = "bob@localhost",
        form: String = ""
    )
        -> String
    {
        H.pubsubXML(type, from: "bob@localhost/r", "<options node='\(node)' jid='\(jid)'>\(form)</options>")
    }

    static func fields(_ reply: XMLElement, in name: String = "options") -> [String: [String]] {
        let form = reply.child("pubsub", namespace: Namespace.pubsub)?.child(name, namespace: Namespace.pubsub)?
            .elements.lazy.compactMap(DataForm.init).first
        return Dictionary(uniqueKeysWithValues: (form?.fields ?? []).map { ($0.name, $0.values) })
    }

    @Test func getAndSetOptionsAndDeliverFalseStopsEvents() async throws {
        let harness = try H()
        try await harness.create("n")
        try await harness.subscribe("n", jid: "bob@localhost")
        let form = Self.fields(try await harness.iq(Self.optionsXML("get")))
        #expect(form["FORM_TYPE"] == [H.subscribeOptions])
        #expect(form["pubsub#deliver"] == ["1"])
        #expect(form["pubsub#digest"] == ["0"])
        #expect(form["pubsub#show-values"] == ["chat", "online", "away", "xa", "dnd"])

        let set = try await harness.iq(
            Self.optionsXML("set", form: H.form(H.subscribeOptions, ["pubsub#deliver": ["false"]]))
        )
        #expect(set[attribute: "type"] == "result")
        #expect(Self.fields(try await harness.iq(Self.optionsXML("get")))["pubsub#deliver"] == ["0"])
        let outcome = try await harness.send(H.publishXML("n", item: "<item id='1'><p xmlns='urn:p'/></item>"))
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(outcome.notifications.isEmpty)
    }

    @Test func subscribeAndConfigureReturnsTheResultingOptions() async throws {
        let harness = try H()
        try await harness.create("n")
        let options =
            "<options>" + H.form(H.subscribeOptions, ["pubsub#show-values": ["chat", "online"]]) + "</options>"
        let reply = try await harness.iq(
            H.pubsubXML("set", from: "bob@localhost/r", "<subscribe node='n' jid='bob@localhost'/>\(options)")
        )
        #expect(Self.fields(reply)["pubsub#show-values"] == ["chat", "online"])
        let stored = try await harness.store.subscriptions(node: "n")
        #expect(stored.map(\.options.showValues) == [[.chat, .online]])

        let misplaced = H.pubsubXML(
            "set",
            from: "bob@localhost/r",
            "<subscribe node='n' jid='bob@localhost'/><options node='n'>\(H.form(H.subscribeOptions, [:]))</options>"
        )
        expectError(try await harness.iq(misplaced), "modify", "bad-request")
    }

    @Test func defaultOptions() async throws {
        let harness = try H()
        let service = Self.fields(
            try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", "<default/>")),
            in: "default"
        )
        #expect(service["pubsub#deliver"] == ["1"])
        expectError(
            try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", "<default node='nope'/>")),
            "cancel",
            "item-not-found"
        )
        try await harness.create("n")
        let node = try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", "<default node='n'/>"))
        #expect(Self.fields(node, in: "default")["pubsub#include_body"] == ["0"])
    }

    @Test func optionsErrors() async throws {
        let harness = try H()
        expectError(try await harness.iq(Self.optionsXML("get", node: "nope")), "cancel", "item-not-found")
        try await harness.create("n")
        expectError(
            try await harness.iq(Self.optionsXML("get")),
            "modify",
            "unexpected-request",
            pubsub: "not-subscribed"
        )
        try await harness.subscribe("n", jid: "bob@localhost")
        expectError(try await harness.iq(Self.optionsXML("get", jid: "alice@localhost")), "auth", "forbidden")
        expectError(
            try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", "<options node='n'/>")),
            "modify",
            "bad-request",
            pubsub: "jid-required"
        )
        expectError(
            try await harness.iq(
                H.pubsubXML("get", from: "bob@localhost/r", "<options node='n' jid='bob@localhost' subid='x'/>")
            ),
            "modify",
            "not-acceptable",
            pubsub: "invalid-subid"
        )
        for fields: KeyValuePairs<String, [String]> in [
            ["pubsub#digest": ["1"]], ["pubsub#deliver": ["maybe"]], ["pubsub#unknown": ["1"]],
            ["pubsub#show-values": ["sleepy"]], ["pubsub#expire": ["next tuesday"]],
        ] {
            expectError(
                try await harness.iq(Self.optionsXML("set", form: H.form(H.subscribeOptions, fields))),
                "modify",
                "bad-request",
                pubsub: "invalid-options"
            )
        }
        #expect(try await harness.store.subscriptions(node: "n").map(\.options) == [SubscriptionOptions()])
    }

    @Test func leasesExpire() async throws {
        let harness = try H()
        try await harness.create("n")
        try await harness.subscribe("n", jid: "bob@localhost")
        let set = try await harness.iq(
            Self.optionsXML("set", form: H.form(H.subscribeOptions, ["pubsub#expire": ["2027-01-15T09:00:00Z"]]))
        )
        #expect(set[attribute: "type"] == "result")
        #expect(Self.fields(try await harness.iq(Self.optionsXML("get")))["pubsub#expire"] == ["2027-01-15T09:00:00Z"])
        let before = try await harness.send(H.publishXML("n", item: "<item id='1'><p xmlns='urn:p'/></item>"))
        #expect(before.notifications.count == 1)
        harness.clock.advance(by: 3601)
        let after = try await harness.send(H.publishXML("n", item: "<item id='2'><p xmlns='urn:p'/></item>"))
        #expect(after.notifications.isEmpty)
        let subscriptions = try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", "<subscriptions/>"))
        #expect(
            subscriptions.child("pubsub", namespace: Namespace.pubsub)?
                .child("subscriptions", namespace: Namespace.pubsub)?.elements.isEmpty == true
        )
    }

    @Test func aLapsedLeaseIsGoneForEveryPurpose() async throws {
        let harness = try H(limits: PubSubLimits(maxSubscriptionsPerJID: 2))
        try await harness.create("n")
        try await harness.subscribe("n", jid: "bob@localhost")
        let lease = "<options>" + H.form(H.subscribeOptions, ["pubsub#expire": ["2027-01-15T09:00:00Z"]]) + "</options>"
        let leased = try await harness.iq(
            H.pubsubXML("set", from: "bob@localhost/r", "<subscribe node='n' jid='bob@localhost'/>\(lease)")
        )
        #expect(leased[attribute: "type"] == "result")
        harness.clock.advance(by: 3601)
        // One live subscription is left: reading needs no SubID, and the limit has room again.
        let items = try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", "<items node='n'/>"))
        #expect(items[attribute: "type"] == "result")
        #expect(try await harness.store.subscriptions(node: "n").count == 1)
        try await harness.create("m")
        try await harness.subscribe("m", jid: "bob@localhost")
        // A lease that has already ended is refused outright.
        expectError(
            try await harness.iq(
                H.pubsubXML("set", from: "bob@localhost/r", "<subscribe node='m' jid='bob@localhost'/>\(lease)")
            ),
            "modify",
            "bad-request",
            pubsub: "invalid-options"
        )
    }
}
