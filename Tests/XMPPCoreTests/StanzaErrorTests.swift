import Testing

@testable import XMPPCore

@Suite struct StanzaErrorTests {
    @Test func rendersConditionTextAndApplicationCondition() {
        let error = StanzaError(
            .modify,
            .badRequest,
            applicationCondition: XMLElement("invalid-jid", namespace: Namespace.pubsubErrors),
            text: "JID mismatch"
        )
        #expect(
            XMLSerializer.serialize(error.element, inheritedNamespace: Namespace.component)
                == "<error type=\"modify\"><bad-request xmlns=\"\(Namespace.stanzas)\"/>"
                + "<text xmlns=\"\(Namespace.stanzas)\">JID mismatch</text>"
                + "<invalid-jid xmlns=\"\(Namespace.pubsubErrors)\"/></error>"
        )
    }

    @Test func readsReceivedStreamError() throws {
        let element = try XMLStreamParser.parseDocument(
            "<error xmlns='http://etherx.jabber.org/streams'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                + "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>bad secret</text></error>"
        )
        #expect(StreamError(element) == StreamError(.notAuthorized, text: "bad secret"))
        #expect(StreamError(element)?.element == element)
    }

    @Test func iqRepliesSwapAddresses() throws {
        let request = try #require(
            IQ(
                XMLElement(
                    "iq",
                    namespace: Namespace.component,
                    attributes: [
                        "type": "get", "id": "1", "from": "alice@localhost/a", "to": "pubsub.localhost",
                    ],
                    children: [XMLElement("ping", namespace: Namespace.ping)]
                )
            )
        )
        let reply = request.result()
        #expect(reply[attribute: "to"] == "alice@localhost/a")
        #expect(reply[attribute: "from"] == "pubsub.localhost")
        #expect(reply[attribute: "type"] == "result")
        #expect(reply[attribute: "id"] == "1")
    }
}
