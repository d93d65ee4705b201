import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §6.5 with XEP-0059 result sets, and who may read.
@Suite struct ItemPagingTests {
    typealias H = PubSubTestHarness

    static func page(
        _ harness: H,
        _ set: String
    ) async throws -> (ids: [String], first: String?, index: String?, last: String?, count: String?) {
        let reply = try await harness.iq(
            H.pubsubXML(
                "get",
                from: "bob@localhost/r",
                "<items node='n'/><set xmlns='http://jabber.org/protocol/rsm'>\(set)</set>"
            )
        )
        let pubsub = reply.child("pubsub", namespace: Namespace.pubsub)
        let ids = (pubsub?.child("items", namespace: Namespace.pubsub)?.elements ?? []).compactMap {
            $0[attribute: "id"]
        }
        let result = pubsub?.child("set", namespace: Namespace.rsm)
        let first = result?.child("first", namespace: Namespace.rsm)
        return (
            ids, first?.text, first?[attribute: "index"], result?.child("last", namespace: Namespace.rsm)?.text,
            result?.child("count", namespace: Namespace.rsm)?.text
        )
    }

    @Test func resultSetsPageNewestFirst() async throws {
        let harness = try H()
        try await harness.create("n")
        for id in 1...7 {
            _ = try await harness.send(H.publishXML("n", item: "<item id='i\(id)'><p xmlns='urn:p'/></item>"))
        }
        let first = try await Self.page(harness, "<max>3</max>")
        #expect(first.ids == ["i7", "i6", "i5"])
        #expect(first.first == "i7" && first.index == "0" && first.last == "i5" && first.count == "7")
        let second = try await Self.page(harness, "<max>3</max><after>i5</after>")
        #expect(second.ids == ["i4", "i3", "i2"] && second.index == "3")
        let previous = try await Self.page(harness, "<max>2</max><before>i4</before>")
        #expect(previous.ids == ["i6", "i5"] && previous.index == "1")
        let oldest = try await Self.page(harness, "<max>2</max><before/>")
        #expect(oldest.ids == ["i2", "i1"] && oldest.index == "5")
        let jump = try await Self.page(harness, "<max>2</max><index>4</index>")
        #expect(jump.ids == ["i3", "i2"] && jump.index == "4")
        let countOnly = try await Self.page(harness, "<max>0</max>")
        #expect(countOnly.ids.isEmpty && countOnly.count == "7" && countOnly.first == nil)
        let unknown = try await harness.iq(
            H.pubsubXML(
                "get",
                from: "bob@localhost/r",
                "<items node='n'/><set xmlns='http://jabber.org/protocol/rsm'><after>zz</after></set>"
            )
        )
        expectError(unknown, "cancel", "item-not-found")
    }

    @Test func readPermissionsFollowTheAccessModel() async throws {
        let harness = try H()
        try await harness.create("w", config: ["pubsub#access_model": "whitelist"])
        try await harness.create("a", config: ["pubsub#access_model": "authorize"])
        let read = { (node: String, from: String) in
            try await harness.iq(H.pubsubXML("get", from: from, "<items node='\(node)'/>"))
        }
        expectError(try await read("w", "bob@localhost/r"), "cancel", "not-allowed", pubsub: "closed-node")
        expectError(try await read("a", "bob@localhost/r"), "auth", "not-authorized", pubsub: "not-subscribed")
        #expect(try await read("w", "alice@localhost/a")[attribute: "type"] == "result")
        try await harness.store.setAffiliations(node: "w", [JID("bob@localhost"): .member])
        #expect(try await read("w", "bob@localhost/r")[attribute: "type"] == "result")
        try await harness.store.setAffiliations(node: "w", [JID("bob@localhost"): .outcast])
        expectError(try await read("w", "bob@localhost/r"), "auth", "forbidden")
    }

    @Test func severalSubscriptionsNeedASubIDToRead() async throws {
        let harness = try H()
        try await harness.create("n")
        try await harness.subscribe("n", jid: "bob@localhost")
        let options = "<options>" + H.form(H.subscribeOptions, ["pubsub#include_body": ["1"]]) + "</options>"
        _ = try await harness.iq(
            H.pubsubXML("set", from: "bob@localhost/r", "<subscribe node='n' jid='bob@localhost'/>\(options)")
        )
        let subid = try #require(try await harness.store.subscriptions(node: "n").first?.id)
        expectError(
            try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", "<items node='n'/>")),
            "modify",
            "bad-request",
            pubsub: "subid-required"
        )
        expectError(
            try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", "<items node='n' subid='bad'/>")),
            "modify",
            "not-acceptable",
            pubsub: "invalid-subid"
        )
        let reply = try await harness.iq(
            H.pubsubXML("get", from: "bob@localhost/r", "<items node='n' subid='\(subid)'/>")
        )
        #expect(reply[attribute: "type"] == "result")
    }
}
