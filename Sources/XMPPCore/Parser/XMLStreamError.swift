/// Why the stream parser refused its input; each maps to an RFC 6120 §4.9.3 stream error.
package struct XMLStreamError: Error, Sendable, Hashable, CustomStringConvertible {
    package enum Kind: Sendable, Hashable {
        /// The bytes are not well-formed XML or break the namespace rules.
        case notWellFormed
        /// DTD, entity declaration or reference, processing instruction or comment (RFC 6120 §11.1).
        case restrictedXML
        /// A configured limit was exceeded (size, depth, attributes).
        case policyViolation
        /// The stream root is not `<stream:stream/>` in the streams namespace.
        case invalidNamespace
    }

    package var kind: Kind
    /// A short explanation for logs and the stream error text; never contains payload bytes.
    package var reason: String

    package init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    package var streamErrorCondition: StreamError.Condition {
        switch self.kind {
        case .notWellFormed: .notWellFormed
        case .restrictedXML: .restrictedXML
        case .policyViolation: .policyViolation
        case .invalidNamespace: .invalidNamespace
        }
    }

    package var description: String { "\(self.kind): \(self.reason)" }
}
