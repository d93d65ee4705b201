import Testing
import XMPPCore

@testable import PubSub

@Suite struct DiscoveryTests {
    @Test func serviceInfoListsIdentityAndOnlyImplementedFeatures() async throws {
        let harness = try PubSubTestHarness()
        let reply = try await harness.iq(
            "<iq type='get' id='d1' from='alice@localhost/a' to='pubsub.localhost'>"
                + "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
        )
        #expect(reply[attribute: "type"] == "result")
        let query = try #require(reply.child("query", namespace: Namespace.discoInfo))
        let identity = try #require(query.child("identity", namespace: Namespace.discoInfo))
        #expect(identity[attribute: "category"] == "pubsub" && identity[attribute: "type"] == "service")
        let features = query.elements.filter { $0.name == "feature" }.compactMap { $0[attribute: "var"] }
        #expect(Set(features) == Set(harness.service.features))
        #expect(features.contains("http://jabber.org/protocol/pubsub#publish"))
        #expect(features.contains("http://jabber.org/protocol/pubsub#multi-subscribe"))
        #expect(features.contains("http://jabber.org/protocol/pubsub#config-node"))
        #expect(features.contains("http://jabber.org/protocol/pubsub#instant-nodes"))
        #expect(!features.contains("http://jabber.org/protocol/pubsub#collections"))
    }

    @Test func itemsListsNodesAndNodeItems() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("b-node")
        try await harness.create("a-node")
        _ = try await harness.send(
            PubSubTestHarness.publishXML("a-node", item: "<item id='x'><p xmlns='urn:p'/></item>")
        )
        let nodes = try await harness.iq(
            "<iq type='get' id='d2' from='bob@localhost/b' to='pubsub.localhost'>"
                + "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>"
        )
        let listed = nodes.child("query", namespace: Namespace.discoItems)?.elements.compactMap {
            $0[attribute: "node"]
        }
        #expect(listed == ["a-node", "b-node"])
        let items = try await harness.iq(
            "<iq type='get' id='d3' from='bob@localhost/b' to='pubsub.localhost'>"
                + "<query xmlns='http://jabber.org/protocol/disco#items' node='a-node'/></iq>"
        )
        #expect(items.child("query", namespace: Namespace.discoItems)?.elements.map { $0[attribute: "name"] } == ["x"])
    }

    @Test func nodeInfoAndUnknownNode() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n")
        let info = try await harness.iq(
            "<iq type='get' id='d4' from='bob@localhost/b' to='pubsub.localhost'>"
                + "<query xmlns='http://jabber.org/protocol/disco#info' node='n'/></iq>"
        )
        #expect(
            info.child("query", namespace: Namespace.discoInfo)?.child("identity", namespace: Namespace.discoInfo)?[
                attribute: "type"
            ] == "leaf"
        )
        let missing = try await harness.iq(
            "<iq type='get' id='d5' from='bob@localhost/b' to='pubsub.localhost'>"
                + "<query xmlns='http://jabber.org/protocol/disco#info' node='nope'/></iq>"
        )
        expectError(missing, "cancel", "item-not-found")
    }
}
