import XMPPCore

/// The XEP-0114 session, from TCP connect to close; pure, so every transition is unit-tested.
struct ComponentSessionStateMachine {
    enum State: Equatable {
        /// TCP is not connected yet.
        case idle
        /// Our stream header is sent; waiting for the server's, which carries the stream ID.
        case awaitingStreamHeader
        /// Our handshake is sent; waiting for the empty `<handshake/>` or a stream error.
        case awaitingHandshakeAck
        /// Stanzas flow both ways.
        case established
        /// We sent `</stream:stream>` and wait for the server's.
        case closing
        /// Nothing more happens on this connection.
        case closed
    }

    enum Action: Equatable {
        /// Write our stream header.
        case sendStreamHeader(String)
        /// Write `<handshake>digest</handshake>`.
        case sendHandshake(String)
        /// The server accepted us: stanzas may be sent now.
        case reportEstablished
        /// Hand this stanza to the application.
        case deliver(XMLElement)
        /// Write this stream error and our stream close, then close the connection and report the error.
        case sendStreamErrorAndClose(StreamError, ComponentError)
        /// Close the TCP connection; the error, if any, says why the session failed.
        case closeConnection(ComponentError?)
        /// Nothing to do.
        case none
    }

    private(set) var state: State = .idle
    private let domain: String
    private let secret: String

    init(domain: String, secret: String) {
        self.domain = domain
        self.secret = secret
    }

    mutating func connected() -> Action {
        guard self.state == .idle else { preconditionFailure("connected() in \(self.state)") }
        self.state = .awaitingStreamHeader
        return .sendStreamHeader(
            "<?xml version='1.0'?><stream:stream xmlns='\(Namespace.component)' "
                + "xmlns:stream='\(Namespace.streams)' to='\(self.domain)'>"
        )
    }

    mutating func eventReceived(_ event: XMLStreamEvent) -> Action {
        switch (self.state, event) {
        case (.awaitingStreamHeader, .streamOpened(let header)):
            guard let streamID = header[attribute: "id"], !streamID.isEmpty else {
                return self.violation("the server's stream header has no id (XEP-0114 §3)")
            }
            self.state = .awaitingHandshakeAck
            return .sendHandshake(Handshake.digest(streamID: streamID, secret: self.secret))
        case (.awaitingHandshakeAck, .element(let element))
        where element.name == "handshake" && element.namespace == Namespace.component:
            self.state = .established
            return .reportEstablished
        case (.established, .element(let element)) where StreamError(element) == nil:
            return .deliver(element)
        case (.closing, .element), (.closing, .streamOpened):
            // What crossed our close (stanzas, or a late header or handshake ack) is dropped:
            // RFC 6120 §4.4 lets us stop processing.
            return .none
        case (_, .element(let element)):
            guard let streamError = StreamError(element) else {
                return self.violation("unexpected <\(element.name)/> before the handshake completed")
            }
            self.state = .closed
            return .closeConnection(self.describe(streamError))
        case (.idle, _), (.closed, _):
            preconditionFailure("stream event in \(self.state)")
        case (.closing, .streamClosed):
            self.state = .closed
            return .closeConnection(nil)
        case (_, .streamClosed):
            self.state = .closed
            return .closeConnection(ComponentError(.connectionClosed, "the XMPP server closed the stream"))
        case (_, .streamOpened):
            return self.violation("a second stream header")
        }
    }

    /// The parser refused the server's bytes.
    mutating func parseFailed(_ error: XMLStreamError) -> Action {
        switch self.state {
        case .closed:
            return .none
        case .idle, .awaitingStreamHeader, .awaitingHandshakeAck, .established, .closing:
            self.state = .closed
            return .sendStreamErrorAndClose(
                StreamError(error.streamErrorCondition, text: error.reason),
                ComponentError(.protocolViolation, "the XMPP server sent XML Herald refuses: \(error)")
            )
        }
    }

    /// Graceful shutdown began: the shell writes our `</stream:stream>` (or, before the handshake
    /// completed, just closes), so the end of the stream or connection that follows is expected.
    mutating func shutdownStarted() {
        switch self.state {
        case .awaitingStreamHeader, .awaitingHandshakeAck, .established:
            self.state = .closing
        case .idle, .closing, .closed:
            break
        }
    }

    /// The TCP connection ended without a stream close.
    mutating func connectionLost() -> Action {
        switch self.state {
        case .closing, .closed:
            self.state = .closed
            return .none
        case .idle, .awaitingStreamHeader, .awaitingHandshakeAck, .established:
            self.state = .closed
            return .closeConnection(ComponentError(.connectionClosed, "the XMPP server closed the connection"))
        }
    }

    private mutating func violation(_ reason: String) -> Action {
        self.state = .closed
        return .sendStreamErrorAndClose(
            StreamError(.undefinedCondition, text: reason),
            ComponentError(.protocolViolation, "XEP-0114 violation by the XMPP server: \(reason)")
        )
    }

    private func describe(_ error: StreamError) -> ComponentError {
        let detail = error.text.map { " (\($0))" } ?? ""
        switch error.condition {
        case .notAuthorized:
            return ComponentError(
                .secretRejected,
                "component handshake refused: the XMPP server rejected the component secret for \(self.domain)\(detail)"
            )
        default:
            return ComponentError(
                .streamError,
                "the XMPP server sent stream error \(error.condition.rawValue)\(detail)"
            )
        }
    }
}
