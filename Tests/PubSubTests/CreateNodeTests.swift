import Testing
import XMPPCore

@testable import PubSub

@Suite struct CreateNodeTests {
    @Test func namedNodeThenConflict() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("news")
        #expect(try await harness.service.store.affiliation(node: "news", jid: JID("alice@localhost")) == .owner)
        let again = try await harness.iq(
            "<iq type='set' id='c2' from='bob@localhost/b' to='pubsub.localhost'>"
                + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='news'/></pubsub></iq>"
        )
        expectError(again, "cancel", "conflict")
        #expect(try await harness.service.store.affiliation(node: "news", jid: JID("bob@localhost")) == .none)
    }

    @Test func instantNodeGetsAGeneratedID() async throws {
        let harness = try PubSubTestHarness()
        let reply = try await harness.iq(
            "<iq type='set' id='c3' from='alice@localhost/a' to='pubsub.localhost'>"
                + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><create/><configure/></pubsub></iq>"
        )
        let created = try #require(
            reply.child("pubsub", namespace: Namespace.pubsub)?.child("create", namespace: Namespace.pubsub)?[
                attribute: "node"
            ]
        )
        #expect(created == "id-1")
        #expect(try await harness.service.store.node(created) != nil)
    }

    static func createWithForm(_ fields: String) -> String {
        "<iq type='set' id='c4' from='alice@localhost/a' to='pubsub.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            + "<create node='configured'/><configure><x xmlns='jabber:x:data' type='submit'>"
            + "<field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/pubsub#node_config</value></field>"
            + fields + "</x></configure></pubsub></iq>"
    }

    @Test func createAndConfigure() async throws {
        let harness = try PubSubTestHarness()
        let reply = try await harness.iq(
            Self.createWithForm(
                "<field var='pubsub#title'><value>Build events</value></field><field var='pubsub#max_items'><value>3</value></field>"
                    + "<field var='pubsub#access_model'><value>open</value></field>"
            )
        )
        #expect(reply[attribute: "type"] == "result")
        let node = try #require(try await harness.service.store.node("configured"))
        #expect(node.configuration == NodeConfiguration(title: "Build events", maxItems: 3, accessModel: .open))
    }

    @Test(arguments: [
        ("<field var='pubsub#max_items'><value>0</value></field>", "not-acceptable"),
        ("<field var='pubsub#max_items'><value>lots</value></field>", "not-acceptable"),
        ("<field var='pubsub#access_model'><value>presence</value></field>", "not-acceptable"),
        ("<field var='pubsub#persist_items'><value>sometimes</value></field>", "not-acceptable"),
        ("<field var='pubsub#publish_model'><value>anyone</value></field>", "not-acceptable"),
        ("<field var='pubsub#made_up'><value>1</value></field>", "not-acceptable"),
    ])
    func refusesConfigurationItCannotHonour(field: String, condition: String) async throws {
        let harness = try PubSubTestHarness()
        expectError(try await harness.iq(Self.createWithForm(field)), "modify", condition)
        #expect(try await harness.service.store.node("configured") == nil)
    }

    @Test func configureMustFollowCreateWithoutNodeAttribute() async throws {
        let harness = try PubSubTestHarness()
        let before = try await harness.iq(
            "<iq type='set' id='c5' from='alice@localhost/a' to='pubsub.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                + "<configure/><create node='early'/></pubsub></iq>"
        )
        expectError(before, "modify", "bad-request")
        let named = try await harness.iq(
            "<iq type='set' id='c6' from='alice@localhost/a' to='pubsub.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                + "<create node='named'/><configure node='named'/></pubsub></iq>"
        )
        expectError(named, "modify", "bad-request")
        #expect(try await harness.service.store.nodes().isEmpty)
    }
}
