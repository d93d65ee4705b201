import Testing
import XMPPCore

@testable import PubSub

@Suite struct RoutingTests {
    @Test(arguments: [
        ("<pubsub xmlns='http://jabber.org/protocol/pubsub'><purge node='n'/></pubsub>", "purge"),
        ("<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><items node='n'/></pubsub>", "items"),
    ])
    func unsupportedFeaturesAreNamed(payload: String, feature: String) async throws {
        let harness = try PubSubTestHarness()
        let reply = try await harness.iq(
            "<iq type='set' id='x' from='alice@localhost/a' to='pubsub.localhost'>\(payload)</iq>"
        )
        expectError(reply, "cancel", "feature-not-implemented", pubsub: "unsupported")
        let unsupported = reply.child("error", namespace: Namespace.component)?.child(
            "unsupported",
            namespace: Namespace.pubsubErrors
        )
        #expect(unsupported?[attribute: "feature"] == feature)
    }

    @Test(arguments: [
        // RFC 6120 §8.4: an unknown payload namespace, and an entity at the domain that does not exist.
        (
            "<iq type='get' id='v' from='alice@localhost/a' to='pubsub.localhost'><query xmlns='jabber:iq:version'/></iq>",
            "cancel", "service-unavailable"
        ),
        (
            "<iq type='get' id='w' from='alice@localhost/a' to='someone@pubsub.localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
            "cancel", "service-unavailable"
        ),
        // RFC 6120 §8.2.3: no child, two children, the wrong IQ type, an invalid sender.
        ("<iq type='get' id='e' from='alice@localhost/a' to='pubsub.localhost'/>", "modify", "bad-request"),
        (
            "<iq type='get' id='e2' from='alice@localhost/a' to='pubsub.localhost'><a xmlns='urn:a'/><b xmlns='urn:b'/></iq>",
            "modify", "bad-request"
        ),
        (
            "<iq type='set' id='e3' from='alice@localhost/a' to='pubsub.localhost'>"
                + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='n'/></pubsub></iq>", "modify",
            "bad-request"
        ),
        (
            "<iq type='get' id='e4' from='a lice@localhost' to='pubsub.localhost'><ping xmlns='urn:xmpp:ping'/></iq>",
            "modify", "bad-request"
        ),
    ])
    func requestsThatCannotBeServedStillGetOneReply(request: String, type: String, condition: String) async throws {
        let harness = try PubSubTestHarness()
        expectError(try await harness.iq(request), type, condition)
    }

    @Test func pingAndNoReplyToResultsOrMessages() async throws {
        let harness = try PubSubTestHarness()
        #expect(
            try await harness.iq(
                "<iq type='get' id='p' from='alice@localhost/a' to='pubsub.localhost'><ping xmlns='urn:xmpp:ping'/></iq>"
            )[attribute: "type"] == "result"
        )
        #expect(
            try await harness.send("<iq type='result' id='r' from='alice@localhost/a' to='pubsub.localhost'/>") == .none
        )
        #expect(
            try await harness.send("<iq type='error' id='r' from='alice@localhost/a' to='pubsub.localhost'/>") == .none
        )
        #expect(
            try await harness.send("<message from='alice@localhost/a' to='pubsub.localhost'><body>hi</body></message>")
                == .none
        )
    }
}
