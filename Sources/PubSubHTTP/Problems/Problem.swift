import FoundationEssentials
import HTTPTypes
package import Hummingbird
import Logging
import XMPPCore

/// An RFC 9457 problem: every error answer of the API, as `application/problem+json`.
///
/// Requests refused by the pubsub service carry the XMPP error they got, so a backend sees the
/// same condition an XMPP client would (`xmppCondition`, `xmppErrorType`, `pubsubCondition`).
package struct Problem: Error, Sendable, Hashable {
    package var status: HTTPResponse.Status
    /// The last part of the `type` URI, `urn:herald:problem:<slug>`.
    package var slug: String
    package var detail: String?
    package var xmpp: XMPPError?
    /// Seconds, for 429 and 503.
    package var retryAfter: Int?

    package struct XMPPError: Sendable, Hashable, Encodable {
        package var xmppCondition: String
        package var xmppErrorType: String
        package var pubsubCondition: String?
    }

    init(_ status: HTTPResponse.Status, _ slug: String, _ detail: String?, retryAfter: Int? = nil) {
        self.status = status
        self.slug = slug
        self.detail = detail
        self.retryAfter = retryAfter
    }

    static func badRequest(_ detail: String) -> Problem {
        Problem(.badRequest, "bad-request", detail)
    }

    static func unprocessable(_ detail: String) -> Problem {
        Problem(.unprocessableContent, "invalid-content", detail)
    }

    /// The answer to a request the service could not handle at all (not ready, stopping).
    package static func unavailable(_ detail: String) -> Problem {
        Problem(.serviceUnavailable, "unavailable", detail, retryAfter: 5)
    }

    /// The response, ready to send or to store for an idempotent replay.
    var stored: StoredResponse {
        struct Body: Encodable {
            var type: String
            var title: String
            var status: Int
            var detail: String?
            var xmppCondition: String?
            var xmppErrorType: String?
            var pubsubCondition: String?
        }
        let body = Body(
            type: "urn:herald:problem:" + self.slug,
            title: self.status.reasonPhrase,
            status: self.status.code,
            detail: self.detail,
            xmppCondition: self.xmpp?.xmppCondition,
            xmppErrorType: self.xmpp?.xmppErrorType,
            pubsubCondition: self.xmpp?.pubsubCondition
        )
        return StoredResponse(
            status: self.status.code,
            contentType: "application/problem+json",
            location: nil,
            body: (try? JSONCoding.encoder.encode(body)) ?? Data()
        )
    }
}

extension Problem: HTTPResponseError {
    package func response(from request: Request, context: some RequestContext) throws -> Response {
        // Refusals by the pubsub service were logged by it with their XMPP detail; these are the HTTP ones.
        if self.xmpp == nil {
            context.logger.info(
                "http request refused",
                metadata: [
                    "http.method": "\(request.method)", "http.path": "\(request.uri.path)",
                    "http.status": "\(self.status.code)", "http.problem": "\(self.slug)",
                ]
            )
        }
        var response = self.stored.response
        if let retryAfter = self.retryAfter {
            response.headers[.retryAfter] = "\(retryAfter)"
        }
        if self.status == .unauthorized {
            // RFC 6750 §3.
            response.headers[.wwwAuthenticate] = "Bearer realm=\"herald\""
        }
        return response
    }
}
