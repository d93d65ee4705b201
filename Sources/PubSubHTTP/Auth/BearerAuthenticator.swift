import FoundationEssentials
import HTTPTypes
import Hummingbird
import Logging

/// Checks the bearer token of every API request (RFC 6750) and its rate, and sets the caller.
struct BearerAuthenticator: RouterMiddleware {
    typealias Context = APIRequestContext

    /// Tokens from the configuration (`http.tokens`), by SHA-256; the store's are looked up after.
    let configured: [Data: Caller]
    let store: any APIStore
    let rateLimiter: RateLimiter
    /// Unknown tokens per client address (5 a second, 50 at once): each costs a database
    /// lookup, so guessing is slowed.
    let failures: RateLimiter

    func handle(
        _ request: Request,
        context: Context,
        next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw Problem(.unauthorized, "missing-token", "send the token as 'Authorization: Bearer <token>'")
        }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw Problem(.unauthorized, "missing-token", "the Authorization header is not a bearer token")
        }
        let hash = APIToken.hash(header.dropFirst(7).filter { $0 != " " })
        let caller: Caller
        if let configured = self.configured[hash] {
            caller = configured
        } else {
            caller = try await self.lookUp(hash, context: context)
        }
        if let wait = self.rateLimiter.admit(caller.tokenID) {
            throw Self.rateLimited(wait, "this token's request rate is exceeded")
        }
        var context = context
        context.caller = caller
        context.logger[metadataKey: "http.caller"] = "\(caller.jid)"
        return try await next(request, context)
    }

    /// A token of the store. Each lookup of an unknown token counts against the client's
    /// address, so that guessing cannot load the database; behind a proxy, the proxy's address.
    private func lookUp(_ hash: Data, context: Context) async throws -> Caller {
        if let wait = self.failures.wait(context.clientAddress) {
            throw Self.rateLimited(wait, "too many unknown tokens from this address")
        }
        let caller: Caller?
        do {
            caller = try await self.store.caller(tokenHash: hash)
        } catch {
            context.logger.error("token lookup failed", metadata: ["error": "\(error)"])
            throw Problem.unavailable("the token cannot be checked now: storage unavailable")
        }
        guard let caller else {
            _ = self.failures.admit(context.clientAddress)
            throw Problem(.unauthorized, "invalid-token", "the token is unknown or revoked")
        }
        return caller
    }

    private static func rateLimited(_ wait: Duration, _ reason: String) -> Problem {
        // Whole seconds, rounded up (RFC 9110 §10.2.3), at least one.
        let exact = Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
        let seconds = max(1, Int(exact.rounded(.up)))
        return Problem(.tooManyRequests, "rate-limited", "\(reason); retry in \(seconds) s", retryAfter: seconds)
    }
}
