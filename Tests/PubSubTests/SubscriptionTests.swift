import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §6.1 and §6.2 beyond the basics: access models, states, limits, several subscriptions.
@Suite struct SubscriptionTests {
    typealias H = PubSubTestHarness

    static func subscription(_ reply: XMLElement) -> XMLElement? {
        reply.child("pubsub", namespace: Namespace.pubsub)?.child("subscription", namespace: Namespace.pubsub)
    }

    static func subscribeXML(_ node: String, _ jid: String, from: String? = nil, options: String = "") -> String {
        H.pubsubXML("set", from: from ?? "\(jid)/r", "<subscribe node='\(node)' jid='\(jid)'/>\(options)")
    }

    @Test func whitelistRefusesStrangersAndAdmitsMembers() async throws {
        let harness = try H()
        try await harness.create("w", config: ["pubsub#access_model": "whitelist"])
        expectError(
            try await harness.iq(Self.subscribeXML("w", "bob@localhost")),
            "cancel",
            "not-allowed",
            pubsub: "closed-node"
        )
        try await harness.store.setAffiliations(node: "w", [JID("bob@localhost"): .member])
        let reply = try await harness.iq(Self.subscribeXML("w", "bob@localhost"))
        #expect(Self.subscription(reply)?[attribute: "subscription"] == "subscribed")
    }

    @Test func authorizeMakesPendingSubscriptionsAndRefusesRepeats() async throws {
        let harness = try H()
        try await harness.create("a", config: ["pubsub#access_model": "authorize"])
        let reply = try await harness.iq(Self.subscribeXML("a", "bob@localhost"))
        #expect(Self.subscription(reply)?[attribute: "subscription"] == "pending")
        expectError(
            try await harness.iq(Self.subscribeXML("a", "bob@localhost")),
            "auth",
            "not-authorized",
            pubsub: "pending-subscription"
        )
        // A pending subscriber gets no events.
        let outcome = try await harness.send(H.publishXML("a", item: "<item id='1'><p xmlns='urn:p'/></item>"))
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(outcome.notifications.isEmpty)
    }

    @Test func outcastsAndPublishOnlyAreBlocked() async throws {
        let harness = try H()
        try await harness.create("n")
        try await harness.store.setAffiliations(node: "n", [JID("bob@localhost"): .outcast])
        try await harness.store.setAffiliations(node: "n", [JID("carol@localhost"): .publishOnly])
        expectError(try await harness.iq(Self.subscribeXML("n", "bob@localhost")), "auth", "forbidden")
        expectError(try await harness.iq(Self.subscribeXML("n", "carol@localhost")), "auth", "forbidden")
        #expect(try await harness.store.subscriptions(node: "n").isEmpty)
    }

    @Test func tooManySubscriptionsIsAPolicyViolation() async throws {
        let harness = try H(limits: PubSubLimits(maxSubscriptionsPerJID: 2))
        for node in ["n1", "n2", "n3"] { try await harness.create(node) }
        try await harness.subscribe("n1", jid: "bob@localhost")
        try await harness.subscribe("n2", jid: "bob@localhost")
        expectError(
            try await harness.iq(Self.subscribeXML("n3", "bob@localhost")),
            "wait",
            "policy-violation",
            pubsub: "too-many-subscriptions"
        )
        // Another bare JID has its own allowance.
        try await harness.subscribe("n3", jid: "carol@localhost")
    }

    @Test func fullJIDSubscriptionsGetTheirOwnEvents() async throws {
        let harness = try H()
        try await harness.create("n")
        _ = try await harness.iq(Self.subscribeXML("n", "bob@localhost/phone", from: "bob@localhost/desk"))
        let outcome = try await harness.send(H.publishXML("n", item: "<item id='1'><p xmlns='urn:p'/></item>"))
        #expect(outcome.notifications.map { $0[attribute: "to"] } == ["bob@localhost/phone"])
    }

    @Test func differentOptionsMakeSeveralSubscriptionsSharingOneEventWithSubIDHeaders() async throws {
        let harness = try H()
        try await harness.create("n")
        let plain = Self.subscription(try await harness.iq(Self.subscribeXML("n", "bob@localhost")))
        let withBody = "<options>" + H.form(H.subscribeOptions, ["pubsub#include_body": ["1"]]) + "</options>"
        let second = Self.subscription(try await harness.iq(Self.subscribeXML("n", "bob@localhost", options: withBody)))
        let first = try #require(plain?[attribute: "subid"])
        let other = try #require(second?[attribute: "subid"])
        #expect(first != other)
        let outcome = try await harness.send(
            H.publishXML("n", item: "<item id='1'><p xmlns='urn:p'>Hello <b>world</b></p></item>")
        )
        #expect(outcome.notifications.count == 1)
        let message = try H.onTheWire(try #require(outcome.notifications.first))
        let headers = message.child("headers", namespace: Namespace.shim)?.elements.map(\.text)
        #expect(headers == [first, other])
        // One of the subscriptions asked for a body: the event carries one (§12.8).
        #expect(message.child("body", namespace: Namespace.component)?.text == "Hello world")

        // Unsubscribing now needs a SubID.
        let unsubscribe = H.pubsubXML("set", from: "bob@localhost/r", "<unsubscribe node='n' jid='bob@localhost'/>")
        expectError(try await harness.iq(unsubscribe), "modify", "bad-request", pubsub: "subid-required")
        let withSubID = H.pubsubXML(
            "set",
            from: "bob@localhost/r",
            "<unsubscribe node='n' jid='bob@localhost' subid='\(other)'/>"
        )
        let reply = try await harness.iq(withSubID)
        #expect(Self.subscription(reply)?[attribute: "subscription"] == "none")
        #expect(try await harness.store.subscriptions(node: "n").map(\.id) == [first])
    }

    @Test func lastPublishedItemComesOnSubscriptionWithADelayStamp() async throws {
        let harness = try H()
        try await harness.create("n")
        _ = try await harness.send(H.publishXML("n", item: "<item id='old'><p xmlns='urn:p'/></item>"))
        _ = try await harness.send(H.publishXML("n", item: "<item id='new'><p xmlns='urn:p'>x</p></item>"))
        let outcome = try await harness.send(Self.subscribeXML("n", "bob@localhost"))
        #expect(outcome.reply?[attribute: "type"] == "result")
        let message = try #require(outcome.notifications.first)
        #expect(outcome.notifications.count == 1)
        #expect(message[attribute: "to"] == "bob@localhost")
        #expect(eventItems(message)?.child("item", namespace: Namespace.pubsubEvent)?[attribute: "id"] == "new")
        #expect(message.child("delay", namespace: Namespace.delay)?[attribute: "stamp"] == "2027-01-15T08:00:00Z")

        try await harness.create("quiet", config: ["pubsub#send_last_published_item": "never"])
        _ = try await harness.send(H.publishXML("quiet", item: "<item id='1'><p xmlns='urn:p'/></item>"))
        #expect(try await harness.send(Self.subscribeXML("quiet", "bob@localhost")).notifications.isEmpty)
    }

    @Test func unsubscribeErrors() async throws {
        let harness = try H()
        let missing = H.pubsubXML("set", from: "bob@localhost/r", "<unsubscribe node='nope' jid='bob@localhost'/>")
        expectError(try await harness.iq(missing), "cancel", "item-not-found")
        try await harness.create("n")
        let notSubscribed = H.pubsubXML("set", from: "bob@localhost/r", "<unsubscribe node='n' jid='bob@localhost'/>")
        expectError(try await harness.iq(notSubscribed), "cancel", "unexpected-request", pubsub: "not-subscribed")
        let noNode = H.pubsubXML("set", from: "bob@localhost/r", "<unsubscribe jid='bob@localhost'/>")
        expectError(try await harness.iq(noNode), "modify", "bad-request", pubsub: "nodeid-required")
    }
}
