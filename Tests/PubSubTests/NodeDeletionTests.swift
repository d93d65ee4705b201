import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §8.4 and §8.5.
@Suite struct NodeDeletionTests {
    typealias H = PubSubTestHarness

    static func withSubscribers(config: [String: String] = [:]) async throws -> PubSubTestHarness {
        let harness = try PubSubTestHarness()
        try await harness.create("n", config: config)
        try await harness.subscribe("n", jid: "bob@localhost")
        try await harness.subscribe("n", jid: "carol@localhost")
        _ = try await harness.send(H.publishXML("n", item: "<item id='i1'><v xmlns='urn:v'/></item>"))
        return harness
    }

    @Test func deleteWithRedirectNotifiesEverySubscriber() async throws {
        let harness = try await Self.withSubscribers()
        let outcome = try await harness.send(
            H.ownerXML("set", "<delete node='n'><redirect uri='xmpp:pubsub.localhost?;node=next'/></delete>")
        )
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(outcome.notifications.compactMap { $0[attribute: "to"] } == ["bob@localhost", "carol@localhost"])
        let delete = try #require(outcome.notifications.first.flatMap(H.eventChild))
        #expect(delete.name == "delete" && delete[attribute: "node"] == "n")
        #expect(
            delete.child("redirect", namespace: Namespace.pubsubEvent)?[attribute: "uri"]
                == "xmpp:pubsub.localhost?;node=next"
        )
        #expect(try await harness.store.node("n") == nil)
        #expect(try await harness.store.subscriptions(jid: JID("bob@localhost")).isEmpty)
        #expect(try await harness.store.itemIDs(node: "n").isEmpty)
    }

    @Test func deleteErrorsAndNotifyDeleteOff() async throws {
        let harness = try await Self.withSubscribers(config: ["pubsub#notify_delete": "0"])
        expectError(
            try await harness.iq(H.ownerXML("set", from: "bob@localhost/b", "<delete node='n'/>")),
            "auth",
            "forbidden"
        )
        expectError(try await harness.iq(H.ownerXML("set", "<delete node='gone'/>")), "cancel", "item-not-found")
        expectError(
            try await harness.iq(H.ownerXML("set", "<delete/>")),
            "modify",
            "bad-request",
            pubsub: "nodeid-required"
        )
        #expect(try await harness.store.node("n") != nil)
        let outcome = try await harness.send(H.ownerXML("set", "<delete node='n'/>"))
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(outcome.notifications.isEmpty)
    }

    @Test func purgeSendsOnePurgePerSubscriber() async throws {
        let harness = try await Self.withSubscribers()
        let outcome = try await harness.send(H.ownerXML("set", "<purge node='n'/>"))
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(outcome.notifications.count == 2)
        let purge = outcome.notifications.first.flatMap(H.eventChild)
        #expect(purge?.name == "purge" && purge?[attribute: "node"] == "n")
        #expect(try await harness.store.itemIDs(node: "n").isEmpty)
        #expect(try await harness.store.node("n") != nil)
    }

    @Test func purgeErrors() async throws {
        let harness = try await Self.withSubscribers()
        expectError(
            try await harness.iq(H.ownerXML("set", from: "bob@localhost/b", "<purge node='n'/>")),
            "auth",
            "forbidden"
        )
        expectError(try await harness.iq(H.ownerXML("set", "<purge node='gone'/>")), "cancel", "item-not-found")
        #expect(try await harness.store.itemIDs(node: "n") == ["i1"])
        try await harness.create("transient", config: ["pubsub#persist_items": "0"])
        let reply = try await harness.iq(H.ownerXML("set", "<purge node='transient'/>"))
        expectError(reply, "cancel", "feature-not-implemented", pubsub: "unsupported")
        // §4.1: publishers purge too.
        try await harness.store.setAffiliations(node: "n", [JID("dave@localhost"): .publisher])
        let byPublisher = try await harness.iq(H.ownerXML("set", from: "dave@localhost/d", "<purge node='n'/>"))
        #expect(byPublisher[attribute: "type"] == "result")
        #expect(try await harness.store.itemIDs(node: "n").isEmpty)
    }
}
