import Testing
import XMPPCore

@testable import XMPPComponent

@Suite struct ComponentSessionStateMachineTests {
    static let header = XMLElement(
        "stream",
        namespace: Namespace.streams,
        attributes: ["id": "3BF96D32", "from": "pubsub.localhost"]
    )
    static let ack = XMLElement("handshake", namespace: Namespace.component)
    static let message = XMLElement("message", namespace: Namespace.component, attributes: ["to": "pubsub.localhost"])

    static func streamError(_ condition: String) -> XMLElement {
        XMLElement(
            "error",
            namespace: Namespace.streams,
            attributes: [:],
            children: [
                XMLElement(condition, namespace: Namespace.streamErrors)
            ]
        )
    }

    @Test func handshakeThenStanzasThenCleanClose() {
        var machine = ComponentSessionStateMachine(domain: "pubsub.localhost", secret: "test")
        guard case .sendStreamHeader(let header) = machine.connected() else {
            Issue.record("expected a stream header")
            return
        }
        #expect(header.contains("to='pubsub.localhost'") && header.contains("xmlns='jabber:component:accept'"))
        #expect(
            machine.eventReceived(.streamOpened(Self.header))
                == .sendHandshake("aaee83c26aeeafcbabeabfcbcd50df997e0a2a1e")
        )
        #expect(machine.eventReceived(.element(Self.ack)) == .reportEstablished)
        #expect(machine.eventReceived(.element(Self.message)) == .deliver(Self.message))
        machine.shutdownStarted()
        #expect(machine.state == .closing)
        #expect(machine.eventReceived(.element(Self.message)) == .none)
        #expect(machine.eventReceived(.streamClosed) == .closeConnection(nil))
        #expect(machine.state == .closed)
    }

    @Test func notAuthorizedIsAFatalSecretError() throws {
        var machine = ComponentSessionStateMachine(domain: "pubsub.localhost", secret: "wrong")
        _ = machine.connected()
        _ = machine.eventReceived(.streamOpened(Self.header))
        guard case .closeConnection(let error?) = machine.eventReceived(.element(Self.streamError("not-authorized")))
        else {
            Issue.record("expected the connection to close with an error")
            return
        }
        #expect(error.code == .secretRejected)
        #expect(error.isFatal)
        #expect(error.message.contains("secret"))
    }

    @Test func otherStreamErrorsAndDropsAreRetryable() {
        var machine = ComponentSessionStateMachine(domain: "pubsub.localhost", secret: "test")
        _ = machine.connected()
        guard case .closeConnection(let error?) = machine.eventReceived(.element(Self.streamError("host-unknown")))
        else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .streamError && !error.isFatal)

        var dropped = ComponentSessionStateMachine(domain: "pubsub.localhost", secret: "test")
        _ = dropped.connected()
        _ = dropped.eventReceived(.streamOpened(Self.header))
        _ = dropped.eventReceived(.element(Self.ack))
        #expect(
            dropped.connectionLost()
                == .closeConnection(ComponentError(.connectionClosed, "the XMPP server closed the connection"))
        )
    }

    @Test func protocolViolationsSendAStreamError() {
        var noID = ComponentSessionStateMachine(domain: "pubsub.localhost", secret: "test")
        _ = noID.connected()
        guard
            case .sendStreamErrorAndClose(_, let error) = noID.eventReceived(
                .streamOpened(XMLElement("stream", namespace: Namespace.streams))
            )
        else {
            Issue.record("expected a stream error for a header without id")
            return
        }
        #expect(error.code == .protocolViolation)

        var early = ComponentSessionStateMachine(domain: "pubsub.localhost", secret: "test")
        _ = early.connected()
        _ = early.eventReceived(.streamOpened(Self.header))
        guard case .sendStreamErrorAndClose = early.eventReceived(.element(Self.message)) else {
            Issue.record("a stanza before the handshake ack is a violation")
            return
        }

        var malformed = ComponentSessionStateMachine(domain: "pubsub.localhost", secret: "test")
        _ = malformed.connected()
        guard
            case .sendStreamErrorAndClose(let streamError, _) = malformed.parseFailed(
                XMLStreamError(.restrictedXML, "comment")
            )
        else {
            Issue.record("expected a stream error")
            return
        }
        #expect(streamError.condition == .restrictedXML)
    }

    @Test func shutdownDuringTheHandshakeEndsWithoutAnError() {
        var machine = ComponentSessionStateMachine(domain: "pubsub.localhost", secret: "test")
        _ = machine.connected()
        machine.shutdownStarted()
        #expect(machine.connectionLost() == .none)
        #expect(machine.state == .closed)
    }
}
