/// A stream error (RFC 6120 §4.9), sent before the stream is closed.
package struct StreamError: Error, Sendable, Hashable {
    /// RFC 6120 §4.9.3 conditions used by Herald.
    package enum Condition: String, Sendable, Hashable {
        case badFormat = "bad-format"
        case conflict
        case connectionTimeout = "connection-timeout"
        case hostUnknown = "host-unknown"
        case internalServerError = "internal-server-error"
        case invalidNamespace = "invalid-namespace"
        case notAuthorized = "not-authorized"
        case notWellFormed = "not-well-formed"
        case policyViolation = "policy-violation"
        case restrictedXML = "restricted-xml"
        case systemShutdown = "system-shutdown"
        case undefinedCondition = "undefined-condition"
    }

    package var condition: Condition
    package var text: String?

    package init(_ condition: Condition, text: String? = nil) {
        self.condition = condition
        self.text = text
    }

    /// Reads a received `<stream:error/>`; unknown conditions become `undefined-condition`.
    package init?(_ element: XMLElement) {
        guard element.name == "error", element.namespace == Namespace.streams else { return nil }
        let conditionElement = element.elements.first { $0.namespace == Namespace.streamErrors && $0.name != "text" }
        self.condition = conditionElement.flatMap { Condition(rawValue: $0.name) } ?? .undefinedCondition
        self.text = element.child("text", namespace: Namespace.streamErrors)?.text
    }

    /// The `<stream:error/>` element in the streams namespace.
    package var element: XMLElement {
        var error = XMLElement("error", namespace: Namespace.streams)
        error.append(XMLElement(self.condition.rawValue, namespace: Namespace.streamErrors))
        if let text = self.text {
            error.append(XMLElement("text", namespace: Namespace.streamErrors, children: [.text(text)]))
        }
        return error
    }
}
