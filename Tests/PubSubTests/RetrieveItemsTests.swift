import Testing
import XMPPCore

@testable import PubSub

@Suite struct RetrieveItemsTests {
    static func itemIDs(_ reply: XMLElement) -> [String] {
        (reply.child("pubsub", namespace: Namespace.pubsub)?.child("items", namespace: Namespace.pubsub)?.elements ?? [])
            .compactMap { $0[attribute: "id"] }
    }

    @Test func allNewestAndByID() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("news")
        for id in ["1", "2", "3"] {
            _ = try await harness.send(
                PubSubTestHarness.publishXML("news", item: "<item id='\(id)'><v xmlns='urn:v'>\(id)</v></item>")
            )
        }
        let base =
            "<iq type='get' id='r' from='bob@localhost/b' to='pubsub.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
        let all = try await harness.iq(base + "<items node='news'/></pubsub></iq>")
        #expect(Self.itemIDs(all) == ["3", "2", "1"])
        let first = try PubSubTestHarness.onTheWire(all).child("pubsub", namespace: Namespace.pubsub)?.child(
            "items",
            namespace: Namespace.pubsub
        )?
        .elements.first
        #expect(first?.child("v", namespace: "urn:v")?.text == "3")
        #expect(
            Self.itemIDs(try await harness.iq(base + "<items node='news' max_items='2'/></pubsub></iq>")) == ["3", "2"]
        )
        #expect(
            Self.itemIDs(
                try await harness.iq(base + "<items node='news'><item id='3'/><item id='9'/></items></pubsub></iq>")
            ) == ["3"]
        )
        expectError(
            try await harness.iq(base + "<items node='news' max_items='-1'/></pubsub></iq>"),
            "modify",
            "bad-request"
        )
        expectError(try await harness.iq(base + "<items node='nope'/></pubsub></iq>"), "cancel", "item-not-found")
    }

    @Test func oversizeRepliesKeepTheNewestItemsAndSaySo() async throws {
        // Two 61-byte payloads fit in 130 bytes, three do not.
        let harness = try PubSubTestHarness(limits: PubSubLimits(maxReplyBytes: 130))
        try await harness.create("big")
        for id in ["1", "2", "3"] {
            let item = "<item id='\(id)'><v xmlns='urn:v'>\(String(repeating: id, count: 40))</v></item>"
            _ = try await harness.send(PubSubTestHarness.publishXML("big", item: item))
        }
        let reply = try await harness.iq(
            "<iq type='get' id='r2' from='bob@localhost/b' to='pubsub.localhost'>"
                + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='big'/></pubsub></iq>"
        )
        #expect(Self.itemIDs(reply) == ["3", "2"])
        let set = reply.child("pubsub", namespace: Namespace.pubsub)?.child("set", namespace: Namespace.rsm)
        #expect(set?.child("count", namespace: Namespace.rsm)?.text == "3")
        #expect(set?.child("first", namespace: Namespace.rsm)?[attribute: "index"] == "0")
        #expect(set?.child("first", namespace: Namespace.rsm)?.text == "3")
        #expect(set?.child("last", namespace: Namespace.rsm)?.text == "2")
    }
}
