import Testing
import XMPPCore

@testable import PubSub

@Suite struct PublishTests {
    static let payload = "<entry xmlns='http://www.w3.org/2005/Atom'><title>Soliloquy &amp; more</title></entry>"

    @Test func publishNotifiesEverySubscriberWithThePayload() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("news")
        try await harness.subscribe("news", jid: "bob@localhost")
        try await harness.subscribe("news", jid: "carol@localhost")
        let outcome = try await harness.send(
            PubSubTestHarness.publishXML(
                "news",
                item: "<item id='ae890ac52d0df67ed7cfdf51b644e901'>\(Self.payload)</item>"
            )
        )
        let reply = try #require(outcome.reply)
        #expect(reply[attribute: "type"] == "result")
        let published = reply.child("pubsub", namespace: Namespace.pubsub)?.child(
            "publish",
            namespace: Namespace.pubsub
        )
        #expect(published?[attribute: "node"] == "news")
        #expect(
            published?.child("item", namespace: Namespace.pubsub)?[attribute: "id"]
                == "ae890ac52d0df67ed7cfdf51b644e901"
        )

        #expect(outcome.notifications.map { $0[attribute: "to"] } == ["bob@localhost", "carol@localhost"])
        let expectedPayload = try XMLStreamParser.parseDocument(Self.payload)
        for sent in outcome.notifications {
            let message = try PubSubTestHarness.onTheWire(sent)
            #expect(message.name == "message" && message[attribute: "from"] == "pubsub.localhost")
            let item = message.child("event", namespace: Namespace.pubsubEvent)?
                .child("items", namespace: Namespace.pubsubEvent)?.child("item", namespace: Namespace.pubsubEvent)
            #expect(item?[attribute: "id"] == "ae890ac52d0df67ed7cfdf51b644e901")
            #expect(item?.elements == [expectedPayload])
        }
    }

    @Test func publishWithoutIDGetsAGeneratedOne() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("news")
        try await harness.subscribe("news", jid: "bob@localhost")
        let outcome = try await harness.send(PubSubTestHarness.publishXML("news", item: "<item>\(Self.payload)</item>"))
        let id = outcome.reply?.child("pubsub", namespace: Namespace.pubsub)?.child(
            "publish",
            namespace: Namespace.pubsub
        )?
        .child("item", namespace: Namespace.pubsub)?[attribute: "id"]
        let generated = try #require(id)
        #expect(!generated.isEmpty)
        let notified = outcome.notifications.first.flatMap(eventItems)?.child(
            "item",
            namespace: Namespace.pubsubEvent
        )?[attribute: "id"]
        #expect(notified == generated)
        #expect(try await harness.service.store.items(node: "news", ids: [generated]).count == 1)
    }

    @Test func onlyPublishersMayPublish() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("news")
        let outcome = try await harness.send(
            PubSubTestHarness.publishXML("news", item: "<item>\(Self.payload)</item>", from: "eve@localhost/e")
        )
        expectError(try #require(outcome.reply), "auth", "forbidden")
        #expect(outcome.notifications.isEmpty)
        #expect(try await harness.service.store.items(node: "news", query: ItemQuery(byteBudget: .max)).items.isEmpty)
    }

    @Test(arguments: [
        ("", "bad-request", "item-required"),
        ("<item id='1'/>", "bad-request", "payload-required"),
        ("<item id='1'><a xmlns='urn:a'/><b xmlns='urn:b'/></item>", "bad-request", "invalid-payload"),
        (
            "<item id='1'><a xmlns='urn:a'/></item><item id='2'><a xmlns='urn:a'/></item>", "bad-request",
            "invalid-payload"
        ),
    ])
    func badItemsAreRefusedAndNothingIsStored(item: String, condition: String, pubsubCondition: String) async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("news")
        let outcome = try await harness.send(PubSubTestHarness.publishXML("news", item: item))
        expectError(try #require(outcome.reply), "modify", condition, pubsub: pubsubCondition)
        #expect(try await harness.service.store.items(node: "news", query: ItemQuery(byteBudget: .max)).items.isEmpty)
    }

    @Test func publishingToAMissingNodeCreatesItOwnedByThePublisher() async throws {
        let harness = try PubSubTestHarness()
        let outcome = try await harness.send(
            PubSubTestHarness.publishXML("fresh", item: "<item id='1'>\(Self.payload)</item>", from: "bob@localhost/b")
        )
        #expect(outcome.reply?[attribute: "type"] == "result")
        let node = try #require(try await harness.store.node("fresh"))
        #expect(node.creator == (try JID("bob@localhost")))
        #expect(try await harness.store.affiliation(node: "fresh", jid: JID("bob@localhost")) == .owner)
        #expect(try await harness.store.itemIDs(node: "fresh") == ["1"])
    }

    @Test func oversizePayload() async throws {
        let harness = try PubSubTestHarness(limits: PubSubLimits(maxPayloadBytes: 100))
        try await harness.create("news")
        let big = "<item><p xmlns='urn:p'>\(String(repeating: "x", count: 200))</p></item>"
        let tooBig = try await harness.send(PubSubTestHarness.publishXML("news", item: big))
        expectError(try #require(tooBig.reply), "modify", "not-acceptable", pubsub: "payload-too-big")
    }

    @Test func republishingAnIDReplacesTheItemAndMaxItemsTrims() async throws {
        let harness = try PubSubTestHarness()
        _ = try await harness.iq(
            CreateNodeTests.createWithForm("<field var='pubsub#max_items'><value>2</value></field>")
        )
        for (id, text) in [("a", "1"), ("b", "2"), ("a", "3"), ("c", "4")] {
            _ = try await harness.send(
                PubSubTestHarness.publishXML("configured", item: "<item id='\(id)'><v xmlns='urn:v'>\(text)</v></item>")
            )
        }
        let items = try await harness.service.store.items(node: "configured", query: ItemQuery(byteBudget: .max)).items
        #expect(items.map(\.id) == ["c", "a"])
        #expect(items.last?.payload == "<v xmlns=\"urn:v\">3</v>")
    }
}
