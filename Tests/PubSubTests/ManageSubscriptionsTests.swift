import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §8.8.
@Suite struct ManageSubscriptionsTests {
    typealias H = PubSubTestHarness

    static func entries(_ reply: XMLElement) -> [String] {
        H.ownerEntries(reply, "subscriptions", "subscription")
    }

    @Test func ownerListsSubscribedButNotPending() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n", config: ["pubsub#access_model": "authorize"])
        try await harness.store.setAffiliations(node: "n", [JID("bob@localhost"): .member])
        try await harness.subscribe("n", jid: "bob@localhost")
        try await harness.subscribe("n", jid: "carol@localhost")  // pending
        let reply = try await harness.iq(H.ownerXML("get", "<subscriptions node='n'/>"))
        #expect(H.ownerChild(reply, "subscriptions")?[attribute: "node"] == "n")
        #expect(Self.entries(reply) == ["bob@localhost=subscribed"])
        #expect(H.ownerChild(reply, "subscriptions")?.elements.first?[attribute: "subid"] != nil)
    }

    @Test func ownerApprovesAddsAndRemovesAndEachSubscriberHears() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n", config: ["pubsub#access_model": "authorize"])
        _ = try await harness.send(H.publishXML("n", item: "<item id='i1'><v xmlns='urn:v'/></item>"))
        try await harness.subscribe("n", jid: "carol@localhost")  // pending
        try await harness.store.setAffiliations(node: "n", [JID("bob@localhost"): .member])
        try await harness.subscribe("n", jid: "bob@localhost")
        let outcome = try await harness.send(
            H.ownerXML(
                "set",
                "<subscriptions node='n'><subscription jid='carol@localhost' subscription='subscribed'/>"
                    + "<subscription jid='bob@localhost' subscription='none'/>"
                    + "<subscription jid='dave@localhost' subscription='subscribed'/></subscriptions>"
            )
        )
        #expect(outcome.reply?[attribute: "type"] == "result")
        let states = try await harness.store.subscriptions(node: "n").map { "\($0.jid)=\($0.state.rawValue)" }
        #expect(Set(states) == ["carol@localhost=subscribed", "dave@localhost=subscribed"])
        // §12.11: a state message to each, then the last item to the newly subscribed (on_sub).
        let told = outcome.notifications.compactMap { message -> String? in
            guard let child = H.eventChild(message), child.name == "subscription" else { return nil }
            return "\(message[attribute: "to"] ?? "")=\(child[attribute: "subscription"] ?? "")"
        }
        #expect(told == ["carol@localhost=subscribed", "bob@localhost=none", "dave@localhost=subscribed"])
        let items = outcome.notifications.filter { H.eventChild($0)?.name == "items" }
        #expect(Set(items.compactMap { $0[attribute: "to"] }) == ["carol@localhost", "dave@localhost"])
    }

    @Test func invalidEntriesComeBackUnchangedWhileTheOthersApply() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        try await harness.subscribe("n", jid: "bob@localhost")
        try await harness.store.setAffiliations(node: "n", [JID("eve@localhost"): .outcast])
        let reply = try await harness.iq(
            H.ownerXML(
                "set",
                "<subscriptions node='n'><subscription jid='bob@localhost' subscription='pending'/>"
                    + "<subscription jid='eve@localhost' subscription='subscribed'/>"
                    + "<subscription jid='bob@localhost' subscription='none' subid='no-such-subid'/>"
                    + "<subscription jid='carol@localhost' subscription='subscribed'/></subscriptions>"
            )
        )
        expectError(reply, "modify", "not-acceptable")
        #expect(
            Self.entries(reply) == ["bob@localhost=subscribed", "eve@localhost=none", "bob@localhost=none"]
        )
        let states = try await harness.store.subscriptions(node: "n").map { "\($0.jid)=\($0.state.rawValue)" }
        #expect(Set(states) == ["bob@localhost=subscribed", "carol@localhost=subscribed"])
    }

    @Test func errorCases() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        try await harness.subscribe("n", jid: "bob@localhost")
        expectError(
            try await harness.iq(H.ownerXML("get", from: "bob@localhost/b", "<subscriptions node='n'/>")),
            "auth",
            "forbidden"
        )
        let removeBob =
            "<subscriptions node='n'><subscription jid='bob@localhost' subscription='none'/></subscriptions>"
        expectError(try await harness.iq(H.ownerXML("set", from: "bob@localhost/b", removeBob)), "auth", "forbidden")
        expectError(try await harness.iq(H.ownerXML("get", "<subscriptions node='gone'/>")), "cancel", "item-not-found")
        expectError(
            try await harness.iq(H.ownerXML("get", "<subscriptions/>")),
            "modify",
            "bad-request",
            pubsub: "nodeid-required"
        )
        #expect(try await harness.store.subscriptions(node: "n").count == 1)
    }
}
