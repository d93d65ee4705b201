import Crypto
package import FoundationEssentials
import HTTPTypes
package import Hummingbird
import NIOCore
package import PubSub
package import XMPPCore

/// The HTTP API for backends (Docs/http-api.md; Schemas/http-api.yaml describes it).
///
/// Each request becomes the XEP-0060 request an XMPP client would send, from the JID of the
/// caller's token, and goes through the same service: every permission rule, limit and
/// notification is the XMPP one. Answers are JSON; errors are RFC 9457 problems.
package struct HTTPAPI: Sendable {
    package struct Limits: Sendable {
        /// Largest request body.
        package var maxBodyBytes: Int
        /// Requests a second per token, on average, and in a burst.
        package var requestsPerSecond: Int
        package var burst: Int
        /// How XML bodies are parsed (the stanza limits of the service).
        package var parser: ParserLimits

        package init(maxBodyBytes: Int, requestsPerSecond: Int, burst: Int, parser: ParserLimits) {
            self.maxBodyBytes = maxBodyBytes
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst
            self.parser = parser
        }
    }

    /// Hands an IQ to the pubsub service, which sends its notifications, and returns its outcome;
    /// throws a `Problem` when the service cannot take requests (not ready, stopping).
    package typealias Execute = @Sendable (XMLElement) async throws -> PubSubOutcome

    let domain: JID
    let execute: Execute
    let store: any APIStore
    let configuredTokens: [Data: Caller]
    let limits: Limits
    /// The service's `nodes.instant`: whether a create may leave the NodeID to the service.
    let instantNodes: Bool
    /// The rate limits' clock.
    let now: @Sendable () -> ContinuousClock.Instant

    package init(
        domain: JID,
        store: any APIStore,
        configuredTokens: [Data: Caller],
        limits: Limits,
        instantNodes: Bool,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        execute: @escaping Execute
    ) {
        self.domain = domain
        self.store = store
        self.configuredTokens = configuredTokens
        self.limits = limits
        self.instantNodes = instantNodes
        self.now = now
        self.execute = execute
    }

    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!

    package func addRoutes(to router: Router<APIRequestContext>) {
        let authenticator = BearerAuthenticator(
            configured: self.configuredTokens,
            store: self.store,
            rateLimiter: RateLimiter(rate: self.limits.requestsPerSecond, burst: self.limits.burst, now: self.now),
            failures: RateLimiter(rate: 5, burst: 50, now: self.now)
        )
        let v1 = router.group("v1").add(middleware: authenticator)
        v1.post("nodes") { request, context in try await self.createNode(request, context) }
        v1.get("nodes/:node") { _, context in try await self.nodeConfiguration(context).response }
        v1.patch("nodes/:node") { request, context in try await self.configureNode(request, context) }
        v1.delete("nodes/:node") { request, context in try await self.deleteNode(request, context) }
        v1.post("nodes/:node/purge") { request, context in try await self.purgeNode(request, context) }
        v1.post("nodes/:node/items") { request, context in try await self.publish(request, context, itemID: nil) }
        v1.get("nodes/:node/items") { request, context in try await self.items(request, context) }
        v1.put("nodes/:node/items/:item") { request, context in
            try await self.publish(request, context, itemID: try Self.parameter("item", context))
        }
        v1.get("nodes/:node/items/:item") { _, context in try await self.item(context) }
        v1.delete("nodes/:node/items/:item") { request, context in try await self.retract(request, context) }
    }

    // MARK: - Shared steps

    /// Sends one request to the service as the caller and reads its result.
    func call(
        _ context: APIRequestContext,
        _ kind: IQ.Kind,
        _ payload: XMLElement
    ) async throws -> (reply: PubSubReply, outcome: PubSubOutcome) {
        let caller = try Self.caller(context)
        // A path or a JSON string may hold what XML cannot (U+0001, U+FFFE): refuse it here, since
        // once stored it would break every stanza that carries it.
        guard XMLCharacters.areValid(in: payload) else {
            throw Problem.badRequest("the request holds a character XML 1.0 cannot carry (a control character)")
        }
        let iq = IQ(
            kind: kind,
            id: "http-" + UUID().uuidString.lowercased(),
            from: caller.jid,
            to: self.domain,
            payload: payload
        )
        let outcome = try await self.execute(iq.element)
        Attempt.current?.recordReachedService()
        return (try PubSubReply(outcome.reply), outcome)
    }

    static func caller(_ context: APIRequestContext) throws -> Caller {
        guard let caller = context.caller else { throw Problem(.unauthorized, "missing-token", "no token") }
        return caller
    }

    /// A path parameter, percent-decoded (a NodeID may hold any character).
    static func parameter(_ name: String, _ context: APIRequestContext) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = PercentEncoding.decode(raw), !decoded.isEmpty else {
            throw Problem.badRequest("the \(name) in the path is not valid percent-encoding")
        }
        return decoded
    }

    /// The request body, refused past the limit before it is read in full.
    func body(_ request: Request) async throws -> [UInt8] {
        let tooLarge = Problem(
            .contentTooLarge,
            "body-too-large",
            "the body exceeds \(self.limits.maxBodyBytes) bytes"
        )
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > self.limits.maxBodyBytes {
            throw tooLarge
        }
        do {
            return Array(buffer: try await request.body.collect(upTo: self.limits.maxBodyBytes))
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
    }

    /// `<pubsub/>` of either namespace around one child.
    static func pubsub(_ namespace: String, _ child: XMLElement, _ siblings: [XMLElement] = []) -> XMLElement {
        XMLElement("pubsub", namespace: namespace, children: [.element(child)] + siblings.map { .element($0) })
    }

    /// `/v1/nodes/{node}`, and `/v1/nodes/{node}/items/{item}` with an item.
    static func location(node: String, item: String? = nil) -> String {
        "/v1/nodes/" + PercentEncoding.encode(node) + (item.map { "/items/" + PercentEncoding.encode($0) } ?? "")
    }
}
