import Testing
import XMPPCore

@testable import PubSub

@Suite struct SubscribeTests {
    @Test func subscribeReturnsSubscriptionAndIsIdempotent() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("news")
        let xml =
            "<iq type='set' id='s1' from='bob@localhost/phone' to='pubsub.localhost'>"
            + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='news' jid='bob@localhost'/></pubsub></iq>"
        let reply = try await harness.iq(xml)
        let subscription = try #require(
            reply.child("pubsub", namespace: Namespace.pubsub)?.child("subscription", namespace: Namespace.pubsub)
        )
        #expect(subscription[attribute: "node"] == "news")
        #expect(subscription[attribute: "jid"] == "bob@localhost")
        #expect(subscription[attribute: "subscription"] == "subscribed")
        let subid = try #require(subscription[attribute: "subid"])
        let again = try await harness.iq(xml)
        #expect(
            again.child("pubsub", namespace: Namespace.pubsub)?.child("subscription", namespace: Namespace.pubsub)?[
                attribute: "subid"
            ] == subid
        )
        #expect(try await harness.service.store.subscriptions(node: "news").count == 1)
    }

    @Test func jidMismatchIsInvalidJID() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("news")
        let reply = try await harness.iq(
            "<iq type='set' id='s2' from='bob@localhost/phone' to='pubsub.localhost'>"
                + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='news' jid='alice@localhost'/></pubsub></iq>"
        )
        expectError(reply, "modify", "bad-request", pubsub: "invalid-jid")
        #expect(try await harness.service.store.subscriptions(node: "news").isEmpty)
    }

    @Test func unknownNodeAndMissingNodeID() async throws {
        let harness = try PubSubTestHarness()
        expectError(
            try await harness.iq(
                "<iq type='set' id='s3' from='bob@localhost/b' to='pubsub.localhost'>"
                    + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='nope' jid='bob@localhost'/></pubsub></iq>"
            ),
            "cancel",
            "item-not-found"
        )
        expectError(
            try await harness.iq(
                "<iq type='set' id='s4' from='bob@localhost/b' to='pubsub.localhost'>"
                    + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe jid='bob@localhost'/></pubsub></iq>"
            ),
            "modify",
            "bad-request",
            pubsub: "nodeid-required"
        )
    }

    @Test func unsubscribe() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("news")
        try await harness.subscribe("news", jid: "bob@localhost")
        let other = try await harness.iq(
            "<iq type='set' id='u1' from='eve@localhost/e' to='pubsub.localhost'>"
                + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><unsubscribe node='news' jid='bob@localhost'/></pubsub></iq>"
        )
        expectError(other, "auth", "forbidden")
        let xml =
            "<iq type='set' id='u2' from='bob@localhost/b' to='pubsub.localhost'>"
            + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><unsubscribe node='news' jid='bob@localhost'/></pubsub></iq>"
        let wrongSubID = try await harness.iq(
            "<iq type='set' id='u3' from='bob@localhost/b' to='pubsub.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                + "<unsubscribe node='news' jid='bob@localhost' subid='nope'/></pubsub></iq>"
        )
        expectError(wrongSubID, "modify", "not-acceptable", pubsub: "invalid-subid")
        #expect(try await harness.iq(xml)[attribute: "type"] == "result")
        expectError(try await harness.iq(xml), "cancel", "unexpected-request", pubsub: "not-subscribed")
    }
}
