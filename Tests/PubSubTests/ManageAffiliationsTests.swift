import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §8.9.
@Suite struct ManageAffiliationsTests {
    typealias H = PubSubTestHarness

    static func entries(_ reply: XMLElement) -> [String] {
        H.ownerEntries(reply, "affiliations", "affiliation")
    }

    static func set(_ entries: String) -> String {
        H.ownerXML("set", "<affiliations node='n'>\(entries)</affiliations>")
    }

    @Test func ownerListsAndChangesAffiliations() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        let outcome = try await harness.send(
            Self.set(
                "<affiliation jid='bob@localhost/x' affiliation='publisher'/>"
                    + "<affiliation jid='carol@localhost' affiliation='member'/>"
                    + "<affiliation jid='dave@localhost' affiliation='publish-only'/>"
            )
        )
        #expect(outcome.reply?[attribute: "type"] == "result")
        // §8.9.4: each entity hears of its new affiliation.
        let told = outcome.notifications.map { message in
            let entry = message.child("pubsub", namespace: Namespace.pubsub)?
                .child("affiliations", namespace: Namespace.pubsub)?.elements.first
            return "\(message[attribute: "to"] ?? "")=\(entry?[attribute: "affiliation"] ?? "")"
        }
        #expect(told == ["bob@localhost=publisher", "carol@localhost=member", "dave@localhost=publish-only"])
        let reply = try await harness.iq(H.ownerXML("get", "<affiliations node='n'/>"))
        #expect(
            Self.entries(reply)
                == [
                    "alice@localhost=owner", "bob@localhost=publisher", "carol@localhost=member",
                    "dave@localhost=publish-only",
                ]
        )
        _ = try await harness.send(Self.set("<affiliation jid='carol@localhost' affiliation='none'/>"))
        #expect(try await harness.store.affiliation(node: "n", jid: JID("carol@localhost")) == .none)
    }

    @Test func outcastsLoseTheirSubscriptionsAndAreTold() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        try await harness.subscribe("n", jid: "bob@localhost")
        let outcome = try await harness.send(Self.set("<affiliation jid='bob@localhost' affiliation='outcast'/>"))
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(try await harness.store.subscriptions(node: "n").isEmpty)
        let ended = outcome.notifications.compactMap(H.eventChild).first { $0.name == "subscription" }
        #expect(ended?[attribute: "subscription"] == "none")
        let again = try await harness.iq(
            H.pubsubXML("set", from: "bob@localhost/b", "<subscribe node='n' jid='bob@localhost'/>")
        )
        expectError(again, "auth", "forbidden")
    }

    @Test func promotingAPendingSubscriberApprovesIt() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n", config: ["pubsub#access_model": "authorize"])
        try await harness.subscribe("n", jid: "bob@localhost")
        #expect(try await harness.store.subscriptions(node: "n").first?.state == .pending)
        let outcome = try await harness.send(Self.set("<affiliation jid='bob@localhost' affiliation='member'/>"))
        #expect(try await harness.store.subscriptions(node: "n").first?.state == .subscribed)
        let approved = outcome.notifications.compactMap(H.eventChild).first { $0.name == "subscription" }
        #expect(approved?[attribute: "subscription"] == "subscribed")
    }

    @Test func theLastOwnerStays() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        let reply = try await harness.iq(
            Self.set(
                "<affiliation jid='alice@localhost' affiliation='none'/>"
                    + "<affiliation jid='bob@localhost' affiliation='publisher'/>"
            )
        )
        expectError(reply, "modify", "not-acceptable")
        #expect(Self.entries(reply) == ["alice@localhost=owner"])
        #expect(
            try await harness.store.affiliations(node: "n") == [
                JID("alice@localhost"): .owner, JID("bob@localhost"): .publisher,
            ]
        )
        // With a second owner, the first may leave.
        _ = try await harness.send(Self.set("<affiliation jid='bob@localhost' affiliation='owner'/>"))
        let leave = try await harness.iq(Self.set("<affiliation jid='alice@localhost' affiliation='none'/>"))
        #expect(leave[attribute: "type"] == "result")
        #expect(try await harness.store.affiliations(node: "n") == [JID("bob@localhost"): .owner])
    }

    @Test func errorCases() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        expectError(
            try await harness.iq(H.ownerXML("get", from: "bob@localhost/b", "<affiliations node='n'/>")),
            "auth",
            "forbidden"
        )
        let promoteSelf = "<affiliations node='n'><affiliation jid='bob@localhost' affiliation='owner'/></affiliations>"
        expectError(try await harness.iq(H.ownerXML("set", from: "bob@localhost/b", promoteSelf)), "auth", "forbidden")
        expectError(try await harness.iq(H.ownerXML("get", "<affiliations node='gone'/>")), "cancel", "item-not-found")
        let twice = Self.set(
            "<affiliation jid='bob@localhost' affiliation='member'/><affiliation jid='bob@localhost/r' affiliation='none'/>"
        )
        expectError(try await harness.iq(twice), "modify", "bad-request")
        let unknown = try await harness.iq(Self.set("<affiliation jid='bob@localhost' affiliation='king'/>"))
        expectError(unknown, "modify", "not-acceptable")
        #expect(Self.entries(unknown) == ["bob@localhost=none"])
        #expect(try await harness.store.affiliations(node: "n") == [JID("alice@localhost"): .owner])
    }

    @Test func administratorsActAsOwnersEverywhere() async throws {
        let harness = try PubSubTestHarness(policy: ServicePolicy(administrators: [try JID("root@localhost")]))
        try await harness.create("n")
        let reply = try await harness.iq(
            H.ownerXML(
                "set",
                from: "root@localhost/console",
                "<affiliations node='n'><affiliation jid='bob@localhost' affiliation='publisher'/></affiliations>"
            )
        )
        #expect(reply[attribute: "type"] == "result")
        let deleted = try await harness.iq(H.ownerXML("set", from: "root@localhost/console", "<delete node='n'/>"))
        #expect(deleted[attribute: "type"] == "result")
    }
}
