import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PubSub
import Testing
import XMPPCore

@testable import PubSubHTTP

/// Refusals: each gets its documented status and an RFC 9457 body, and changes nothing.
@Suite struct HTTPAPIErrorTests {
    /// Sends one publish to `news` and checks the problem that comes back.
    static func expectProblem(
        _ harness: APITestHarness,
        uri: String = "/v1/nodes/news/items",
        method: HTTPRequest.Method = .post,
        headers: HTTPFields,
        body: String = "{}",
        status: HTTPResponse.Status,
        type: String,
        xmppCondition: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        try await harness.application.test(.router) { client in
            try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(string: body)) {
                response in
                #expect(response.status == status, sourceLocation: sourceLocation)
                #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
                let problem = try APITestHarness.json(response)
                #expect(problem["type"] as? String == "urn:herald:problem:" + type, sourceLocation: sourceLocation)
                #expect(problem["status"] as? Int == Int(status.code), sourceLocation: sourceLocation)
                #expect(problem["title"] as? String != nil, sourceLocation: sourceLocation)
                #expect(problem["xmppCondition"] as? String == xmppCondition, sourceLocation: sourceLocation)
            }
        }
    }

    static func harnessWithNews(_ harness: APITestHarness = APITestHarness()) async throws -> APITestHarness {
        try await HTTPAPIItemTests.createNews(harness)
        return harness
    }

    @Test func tokensAreRequiredAndChecked() async throws {
        let harness = try await Self.harnessWithNews()
        try await harness.application.test(.router) { client in
            try await client.execute(uri: "/v1/nodes/news/items", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"herald\"")
                let body = try APITestHarness.json(response)
                #expect(body["type"] as? String == "urn:herald:problem:missing-token")
            }
        }
        try await Self.expectProblem(
            harness,
            headers: APITestHarness.headers(token: "wrong", contentType: "application/json"),
            status: .unauthorized,
            type: "invalid-token"
        )
        harness.apiStore.revoke(token: APITestHarness.aliceToken)
        try await Self.expectProblem(
            harness,
            headers: APITestHarness.headers(contentType: "application/json"),
            status: .unauthorized,
            type: "invalid-token"
        )
        #expect(try await harness.store.itemIDs(node: "news").isEmpty)
    }

    @Test func theTokensJIDGetsTheXEP0060Rules() async throws {
        let harness = try await Self.harnessWithNews()
        // Bob is only a subscriber: the node's publish model is `publishers`.
        try await Self.expectProblem(
            harness,
            headers: APITestHarness.headers(token: APITestHarness.bobToken, contentType: "application/json"),
            status: .forbidden,
            type: "forbidden",
            xmppCondition: "forbidden"
        )
        try await Self.expectProblem(
            harness,
            uri: "/v1/nodes/news",
            method: .delete,
            headers: APITestHarness.headers(token: APITestHarness.bobToken),
            body: "",
            status: .forbidden,
            type: "forbidden",
            xmppCondition: "forbidden"
        )
        #expect(try await harness.store.node("news") != nil)
        #expect(try await harness.store.itemIDs(node: "news").isEmpty)
        #expect(harness.takeNotifications().isEmpty)
    }

    @Test func unknownNodesAndBadBodiesAreRefusedAndChangeNothing() async throws {
        let harness = try await Self.harnessWithNews(APITestHarness(maxBodyBytes: 2048))
        try await Self.expectProblem(
            harness,
            uri: "/v1/nodes/nosuch/items",
            method: .get,
            headers: APITestHarness.headers(),
            body: "",
            status: .notFound,
            type: "item-not-found",
            xmppCondition: "item-not-found"
        )
        try await Self.expectProblem(
            harness,
            headers: APITestHarness.headers(contentType: "application/xml"),
            body: "<a><b></a>",
            status: .badRequest,
            type: "malformed-xml"
        )
        try await Self.expectProblem(
            harness,
            headers: APITestHarness.headers(contentType: "application/json"),
            body: "{\"a\": ",
            status: .badRequest,
            type: "malformed-json"
        )
        try await Self.expectProblem(
            harness,
            headers: APITestHarness.headers(contentType: "text/plain"),
            body: "hello",
            status: .unsupportedMediaType,
            type: "unsupported-media-type"
        )
        try await Self.expectProblem(
            harness,
            headers: APITestHarness.headers(contentType: "application/json"),
            body: "[" + String(repeating: "1,", count: 2000) + "1]",
            status: .contentTooLarge,
            type: "body-too-large"
        )
        // Restricted XML (RFC 6120 §11.1) is refused in a body as on the stream.
        try await Self.expectProblem(
            harness,
            headers: APITestHarness.headers(contentType: "application/xml"),
            body: "<!DOCTYPE x [<!ENTITY e 'boom'>]><x xmlns='urn:example'>&e;</x>",
            status: .badRequest,
            type: "malformed-xml"
        )
        #expect(try await harness.store.itemIDs(node: "news").isEmpty)
        #expect(harness.takeNotifications().isEmpty)
    }

    @Test func charactersXMLCannotCarryAreRefusedWhereverTheyComeFrom() async throws {
        let harness = try await Self.harnessWithNews()
        try await Self.expectProblem(
            harness,
            uri: "/v1/nodes/news%01/items/x",
            method: .put,
            headers: APITestHarness.headers(contentType: "application/json"),
            body: "1",
            status: .badRequest,
            type: "bad-request"
        )
        try await Self.expectProblem(
            harness,
            uri: "/v1/nodes",
            headers: APITestHarness.headers(contentType: "application/json"),
            body: #"{"node": "a\u0001b"}"#,
            status: .badRequest,
            type: "bad-request"
        )
        try await Self.expectProblem(
            harness,
            uri: "/v1/nodes/news/items",
            headers: APITestHarness.headers(contentType: "application/json"),
            body: "\"\u{FFFF}\"",
            status: .badRequest,
            type: "bad-request"
        )
        #expect(try await harness.store.nodes().map(\.id) == ["news"])
        #expect(try await harness.store.itemIDs(node: "news").isEmpty)
    }

    @Test func pubsubConditionsMapToTheirStatus() async throws {
        let harness = try await Self.harnessWithNews(APITestHarness(pubsubLimits: PubSubLimits(maxPayloadBytes: 100)))
        try await Self.expectProblem(
            harness,
            headers: APITestHarness.headers(contentType: "application/json"),
            body: "\"" + String(repeating: "x", count: 200) + "\"",
            status: .contentTooLarge,
            type: "payload-too-big",
            xmppCondition: "not-acceptable"
        )
        try await Self.expectProblem(
            harness,
            uri: "/v1/nodes",
            headers: APITestHarness.headers(contentType: "application/json"),
            body: #"{"node": "news"}"#,
            status: .conflict,
            type: "conflict",
            xmppCondition: "conflict"
        )
        try await Self.expectProblem(
            harness,
            uri: "/v1/nodes/news",
            method: .patch,
            headers: APITestHarness.headers(contentType: "application/json"),
            body: #"{"config": {"max_items": "lots"}}"#,
            status: .unprocessableContent,
            type: "not-acceptable",
            xmppCondition: "not-acceptable"
        )
        // The table itself, for the conditions no request here provokes.
        #expect(
            Problem.status(type: "wait", condition: "internal-server-error", pubsubCondition: nil)
                == .serviceUnavailable
        )
        #expect(
            Problem.status(type: "wait", condition: "resource-constraint", pubsubCondition: nil) == .serviceUnavailable
        )
        #expect(
            Problem.status(type: "cancel", condition: "conflict", pubsubCondition: "precondition-not-met")
                == .preconditionFailed
        )
        #expect(
            Problem.status(type: "cancel", condition: "feature-not-implemented", pubsubCondition: "unsupported")
                == .notImplemented
        )
        #expect(
            Problem.status(type: "auth", condition: "not-authorized", pubsubCondition: "not-subscribed") == .forbidden
        )
        #expect(
            Problem.status(type: "modify", condition: "bad-request", pubsubCondition: "item-required") == .badRequest
        )
        #expect(Problem.status(type: "cancel", condition: "not-allowed", pubsubCondition: "closed-node") == .forbidden)
        #expect(try await harness.store.itemIDs(node: "news").isEmpty)
    }

    @Test func aServiceThatIsNotReadyAnswers503WithRetryAfter() async throws {
        let harness = try await Self.harnessWithNews()
        harness.setReady(false)
        try await harness.application.test(.router) { client in
            try await client.execute(
                uri: "/v1/nodes/news/items",
                method: .post,
                headers: APITestHarness.headers(contentType: "application/json"),
                body: ByteBuffer(string: "1")
            ) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "5")
            }
        }
    }

    @Test func unknownTokensAreLimitedPerClientAddress() async throws {
        let harness = try await Self.harnessWithNews()
        try await harness.application.test(.router) { client in
            for _ in 0..<50 {
                try await client.execute(
                    uri: "/v1/nodes/news/items",
                    method: .get,
                    headers: APITestHarness.headers(token: "guess")
                ) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            try await client.execute(
                uri: "/v1/nodes/news/items",
                method: .get,
                headers: APITestHarness.headers(token: "guess")
            ) { response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "1")
            }
            // A configured token needs no lookup, so it is not held back.
            try await client.execute(
                uri: "/v1/nodes/news/items",
                method: .get,
                headers: APITestHarness.headers(token: APITestHarness.carolToken)
            ) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func eachTokenIsRateLimited() async throws {
        let harness = try await Self.harnessWithNews(APITestHarness(requestsPerSecond: 1, burst: 2))
        try await harness.application.test(.router) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/v1/nodes/news/items", method: .get, headers: APITestHarness.headers()) {
                    response in
                    #expect(response.status == .ok)
                }
            }
            try await client.execute(uri: "/v1/nodes/news/items", method: .get, headers: APITestHarness.headers()) {
                response in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "1")
                let body = try APITestHarness.json(response)
                #expect(body["type"] as? String == "urn:herald:problem:rate-limited")
            }
            // Another token has its own bucket.
            try await client.execute(
                uri: "/v1/nodes/news/items",
                method: .get,
                headers: APITestHarness.headers(token: APITestHarness.bobToken)
            ) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
