/// Why the component connection failed or refused a send.
package struct ComponentError: Error, Sendable, Hashable, CustomStringConvertible {
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case secretRejected, streamError, protocolViolation, notConnected, connectionClosed, requestTimedOut
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The server refused the handshake (XEP-0114 §3): retrying with the same secret cannot help.
        package static let secretRejected = Code(.secretRejected)
        /// The server sent a stream error other than `not-authorized`.
        package static let streamError = Code(.streamError)
        /// The server broke XEP-0114, or sent XML the parser refused.
        package static let protocolViolation = Code(.protocolViolation)
        /// A send was attempted while no stream is established.
        package static let notConnected = Code(.notConnected)
        /// The server closed the stream or the TCP connection.
        package static let connectionClosed = Code(.connectionClosed)
        /// An IQ Herald sent got no answer in time.
        package static let requestTimedOut = Code(.requestTimedOut)

        package var description: String { "\(self.base)" }
    }

    package var code: Code
    /// Safe to log: never contains the secret or stanza payloads.
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// True when reconnecting cannot succeed without an operator changing the configuration.
    package var isFatal: Bool { self.code == .secretRejected }

    package var description: String { self.message }
}
