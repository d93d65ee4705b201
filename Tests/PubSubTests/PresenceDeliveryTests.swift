import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §12.4–§12.6: presence-based delivery, temporary subscriptions, bounces.
@Suite struct PresenceDeliveryTests {
    typealias H = PubSubTestHarness
    static let item = "<item><p xmlns='urn:p'/></item>"

    static func presence(_ from: String, type: String? = nil, show: String? = nil) -> String {
        "<presence from='\(from)' to='pubsub.localhost'" + (type.map { " type='\($0)'" } ?? "") + ">"
            + (show.map { "<show>\($0)</show>" } ?? "") + "</presence>"
    }

    @Test func presenceBasedNodesNotifyOnlyAvailableSubscribersWithAcceptedShows() async throws {
        let harness = try H()
        try await harness.create("p", config: ["pubsub#presence_based_delivery": "1"])
        try await harness.subscribe("p", jid: "bob@localhost")
        try await harness.subscribe("p", jid: "carol@localhost")
        let options = H.form(H.subscribeOptions, ["pubsub#show-values": ["chat", "online"]])
        _ = try await harness.iq(
            H.pubsubXML(
                "set",
                from: "carol@localhost/r",
                "<options node='p' jid='carol@localhost'>\(options)</options>"
            )
        )
        #expect(try await harness.send(H.publishXML("p", item: Self.item)).notifications.isEmpty)

        _ = try await harness.send(Self.presence("bob@localhost/phone"))
        _ = try await harness.send(Self.presence("carol@localhost/desk", show: "dnd"))
        let recipients = {
            try await harness.send(H.publishXML("p", item: Self.item)).notifications.map { $0[attribute: "to"] }
        }
        #expect(try await recipients() == ["bob@localhost"])
        _ = try await harness.send(Self.presence("carol@localhost/desk", show: "chat"))
        #expect(try await recipients() == ["bob@localhost", "carol@localhost"])
        _ = try await harness.send(Self.presence("bob@localhost/phone", type: "unavailable"))
        #expect(try await recipients() == ["carol@localhost"])
    }

    @Test func temporarySubscriptionsEndWithTheSession() async throws {
        let harness = try H()
        try await harness.create("n")
        let options = "<options>" + H.form(H.subscribeOptions, ["pubsub#expire": ["presence"]]) + "</options>"
        _ = try await harness.iq(
            H.pubsubXML("set", from: "bob@localhost/r", "<subscribe node='n' jid='bob@localhost/r'/>\(options)")
        )
        try await harness.subscribe("n", jid: "carol@localhost")
        _ = try await harness.send(Self.presence("bob@localhost/r"))
        _ = try await harness.send(Self.presence("bob@localhost/other", type: "unavailable"))
        #expect(try await harness.store.subscriptions(node: "n").count == 2)
        _ = try await harness.send(Self.presence("bob@localhost/r", type: "unavailable"))
        #expect(try await harness.store.subscriptions(node: "n").map(\.jid.description) == ["carol@localhost"])
    }

    @Test func presenceSubscriptionsAreApprovedAndReturnedAndProbesAnswered() async throws {
        let harness = try H()
        let subscribe = try await harness.send(Self.presence("bob@localhost/r", type: "subscribe"))
        #expect(subscribe.reply == nil)
        #expect(
            subscribe.notifications.map { [$0[attribute: "type"], $0[attribute: "to"]] } == [
                ["subscribed", "bob@localhost"], ["subscribe", "bob@localhost"],
            ]
        )
        let probe = try await harness.send(Self.presence("bob@localhost", type: "probe"))
        #expect(probe.notifications.map { $0[attribute: "type"] } == [nil])
        #expect(probe.notifications.first?[attribute: "from"] == "pubsub.localhost")
    }

    @Test func lastItemOnSubscriptionAndPresence() async throws {
        let harness = try H()
        try await harness.create("n", config: ["pubsub#send_last_published_item": "on_sub_and_presence"])
        _ = try await harness.send(H.publishXML("n", item: "<item id='last'><p xmlns='urn:p'/></item>"))
        try await harness.subscribe("n", jid: "bob@localhost")
        let arrival = try await harness.send(Self.presence("bob@localhost/phone"))
        #expect(arrival.notifications.map { $0[attribute: "to"] } == ["bob@localhost/phone"])
        #expect(arrival.notifications.first?.child("delay", namespace: Namespace.delay) != nil)
        // Only the first available presence of a session triggers it.
        #expect(try await harness.send(Self.presence("bob@localhost/phone", show: "away")).notifications.isEmpty)
    }

    static func bounce(_ message: XMLElement, type: String, condition: String) -> String {
        "<message type='error' id='\(message[attribute: "id"]!)' from='\(message[attribute: "to"]!)' to='pubsub.localhost'>"
            + "<error type='\(type)'><\(condition) xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
    }

    @Test func permanentBouncesEndTheSubscription() async throws {
        let harness = try H()
        try await harness.create("n")
        try await harness.subscribe("n", jid: "bob@localhost")
        try await harness.subscribe("n", jid: "carol@localhost")
        let sent = try await harness.send(H.publishXML("n", item: Self.item)).notifications
        let toBob = try #require(sent.first { $0[attribute: "to"] == "bob@localhost" })
        let outcome = try await harness.send(Self.bounce(toBob, type: "cancel", condition: "item-not-found"))
        #expect(outcome.reply == nil && outcome.notifications.isEmpty)
        #expect(try await harness.store.subscriptions(node: "n").map(\.jid.description) == ["carol@localhost"])
    }

    @Test func transientBouncesEndItOnlyAtTheLimit() async throws {
        let harness = try H(bouncePolicy: BouncePolicy(endOnPermanentError: false, transientLimit: 2))
        try await harness.create("n")
        try await harness.subscribe("n", jid: "bob@localhost")
        for round in 1...2 {
            let message = try #require(try await harness.send(H.publishXML("n", item: Self.item)).notifications.first)
            _ = try await harness.send(Self.bounce(message, type: "wait", condition: "recipient-unavailable"))
            #expect(try await harness.store.subscriptions(node: "n").count == (round < 2 ? 1 : 0))
        }
        // With permanent errors configured to be kept, a cancel error changes nothing.
        try await harness.subscribe("n", jid: "bob@localhost")
        let message = try #require(try await harness.send(H.publishXML("n", item: Self.item)).notifications.first)
        _ = try await harness.send(Self.bounce(message, type: "cancel", condition: "gone"))
        #expect(try await harness.store.subscriptions(node: "n").count == 1)
    }
}
