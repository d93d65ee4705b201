import Testing
import XMPPCore

@testable import PubSub

/// Subscriptions follow changes of the access model and of affiliations (§4.5, §4.1, §12.11).
@Suite struct AccessChangeTests {
    typealias H = PubSubTestHarness
    static let nodeConfig = "http://jabber.org/protocol/pubsub#node_config"

    static func configure(_ harness: PubSubTestHarness, _ model: String) async throws -> PubSubOutcome {
        let form = H.form(Self.nodeConfig, ["pubsub#access_model": [model]])
        return try await harness.send(H.ownerXML("set", "<configure node='n'>\(form)</configure>"))
    }

    static func told(_ outcome: PubSubOutcome) -> [String] {
        outcome.notifications.compactMap { message in
            guard let child = H.eventChild(message), child.name == "subscription" else { return nil }
            return "\(message[attribute: "to"] ?? "")=\(child[attribute: "subscription"] ?? "")"
        }
    }

    static func states(_ harness: PubSubTestHarness) async throws -> Set<String> {
        Set(try await harness.store.subscriptions(node: "n").map { "\($0.jid)=\($0.state.rawValue)" })
    }

    @Test func becomingAWhitelistEndsTheSubscriptionsOfStrangers() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        try await harness.store.setAffiliations(node: "n", [JID("carol@localhost"): .member])
        try await harness.subscribe("n", jid: "bob@localhost")
        try await harness.subscribe("n", jid: "carol@localhost")
        let outcome = try await Self.configure(harness, "whitelist")
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(Self.told(outcome) == ["bob@localhost=none"])
        #expect(try await Self.states(harness) == ["carol@localhost=subscribed"])
    }

    @Test func leavingAuthorizeDecidesThePendingRequests() async throws {
        for (model, expected) in [("open", "subscribed"), ("whitelist", "none")] {
            let harness = try PubSubTestHarness()
            try await harness.create("n", config: ["pubsub#access_model": "authorize"])
            try await harness.subscribe("n", jid: "bob@localhost")
            #expect(try await Self.states(harness) == ["bob@localhost=pending"])
            let outcome = try await Self.configure(harness, model)
            #expect(Self.told(outcome) == ["bob@localhost=\(expected)"], "\(model)")
            #expect(try await Self.states(harness) == (expected == "none" ? [] : ["bob@localhost=subscribed"]))
            // The request no longer hangs: subscribing again works on the open node.
            if model == "open" {
                try await harness.subscribe("n", jid: "bob@localhost")
            }
        }
    }

    @Test func losingTheRightToSubscribeEndsTheSubscription() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n", config: ["pubsub#access_model": "whitelist"])
        try await harness.store.setAffiliations(
            node: "n",
            [JID("bob@localhost"): .member, JID("carol@localhost"): .member]
        )
        try await harness.subscribe("n", jid: "bob@localhost")
        try await harness.subscribe("n", jid: "carol@localhost")
        let outcome = try await harness.send(
            H.ownerXML(
                "set",
                "<affiliations node='n'><affiliation jid='bob@localhost' affiliation='none'/>"
                    + "<affiliation jid='carol@localhost' affiliation='publish-only'/></affiliations>"
            )
        )
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(Set(Self.told(outcome)) == ["bob@localhost=none", "carol@localhost=none"])
        #expect(try await harness.store.subscriptions(node: "n").isEmpty)
    }

    @Test func theStateChartIsEnforced() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        try await harness.store.setAffiliations(
            node: "n",
            [JID("bob@localhost"): .owner, JID("carol@localhost"): .publisher]
        )
        let reply = try await harness.iq(
            H.ownerXML(
                "set",
                "<affiliations node='n'><affiliation jid='bob@localhost' affiliation='publisher'/>"
                    + "<affiliation jid='carol@localhost' affiliation='member'/>"
                    + "<affiliation jid='dave@localhost' affiliation='member'/></affiliations>"
            )
        )
        expectError(reply, "modify", "not-acceptable")
        #expect(
            H.ownerEntries(reply, "affiliations", "affiliation") == [
                "bob@localhost=owner", "carol@localhost=publisher",
            ]
        )
        #expect(try await harness.store.affiliation(node: "n", jid: JID("dave@localhost")) == .member)
    }
}
