/// A stanza error (RFC 6120 §8.3) with an optional application condition, rendered as `<error/>`.
package struct StanzaError: Error, Sendable, Hashable {
    /// RFC 6120 §8.3.2 error types.
    package enum ErrorType: String, Sendable, Hashable {
        case auth, cancel, `continue`, modify, wait
    }

    /// RFC 6120 §8.3.3 defined conditions used by Herald.
    package enum Condition: String, Sendable, Hashable {
        case badRequest = "bad-request"
        case conflict
        case featureNotImplemented = "feature-not-implemented"
        case forbidden
        case internalServerError = "internal-server-error"
        case itemNotFound = "item-not-found"
        case jidMalformed = "jid-malformed"
        case notAcceptable = "not-acceptable"
        case notAllowed = "not-allowed"
        case notAuthorized = "not-authorized"
        case policyViolation = "policy-violation"
        case resourceConstraint = "resource-constraint"
        case serviceUnavailable = "service-unavailable"
        case unexpectedRequest = "unexpected-request"
    }

    package var type: ErrorType
    package var condition: Condition
    /// An application-specific condition element, such as XEP-0060's `<invalid-jid/>`.
    package var applicationCondition: XMLElement?
    /// Human-readable text for the requester; never includes payload data.
    package var text: String?

    package init(
        _ type: ErrorType,
        _ condition: Condition,
        applicationCondition: XMLElement? = nil,
        text: String? = nil
    ) {
        self.type = type
        self.condition = condition
        self.applicationCondition = applicationCondition
        self.text = text
    }

    /// The `<error/>` child of an error stanza.
    package var element: XMLElement {
        var error = XMLElement("error", namespace: Namespace.component, attributes: ["type": self.type.rawValue])
        error.append(XMLElement(self.condition.rawValue, namespace: Namespace.stanzas))
        if let text = self.text {
            error.append(XMLElement("text", namespace: Namespace.stanzas, children: [.text(text)]))
        }
        if let applicationCondition = self.applicationCondition {
            error.append(applicationCondition)
        }
        return error
    }
}
