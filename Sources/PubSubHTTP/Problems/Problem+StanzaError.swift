import HTTPTypes
import Hummingbird
import XMPPCore

/// XEP-0060's error conditions as HTTP statuses (Docs/http-api.md has the table).
extension Problem {
    /// The problem for an IQ error reply of the pubsub service.
    init(errorReply reply: XMLElement) {
        let error = reply.child("error", namespace: Namespace.component)
        let type = error?[attribute: "type"] ?? "cancel"
        let condition =
            error?.elements.first { $0.namespace == Namespace.stanzas && $0.name != "text" }?.name
            ?? "undefined-condition"
        let pubsubCondition = error?.elements.first { $0.namespace == Namespace.pubsubErrors }?.name
        let text = error?.child("text", namespace: Namespace.stanzas)?.text
        let status = Self.status(type: type, condition: condition, pubsubCondition: pubsubCondition)
        self.init(
            status,
            pubsubCondition ?? condition,
            text ?? "the pubsub service answered \(condition)",
            retryAfter: status == .serviceUnavailable ? 5 : nil
        )
        self.xmpp = XMPPError(xmppCondition: condition, xmppErrorType: type, pubsubCondition: pubsubCondition)
    }

    static func status(type: String, condition: String, pubsubCondition: String?) -> HTTPResponse.Status {
        // A wait-type error is temporary whatever its condition: retry later.
        if type == "wait" { return .serviceUnavailable }
        switch (condition, pubsubCondition) {
        case ("item-not-found", _): return .notFound
        case (_, "precondition-not-met"): return .preconditionFailed
        case (_, "payload-too-big"): return .contentTooLarge
        case ("conflict", _), ("unexpected-request", _): return .conflict
        case ("forbidden", _), ("not-authorized", _), ("not-allowed", _), ("registration-required", _),
            ("subscription-required", _), ("policy-violation", _):
            return .forbidden
        case ("bad-request", _): return .badRequest
        case ("not-acceptable", _), ("jid-malformed", _): return .unprocessableContent
        case ("feature-not-implemented", _): return .notImplemented
        case ("service-unavailable", _), ("remote-server-not-found", _), ("remote-server-timeout", _):
            return .serviceUnavailable
        default: return .internalServerError
        }
    }
}
