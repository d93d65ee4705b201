package import FoundationEssentials

/// What the HTTP API keeps beside the pubsub data: the tokens issued by `herald tokens`, and the
/// responses of requests made with an `Idempotency-Key`.
package protocol APIStore: Sendable {
    /// The caller of an unrevoked token with this SHA-256, or nil.
    func caller(tokenHash: Data) async throws -> Caller?

    /// Claims `key` for a request with this fingerprint (a hash of method, path and body), unless
    /// it is already claimed: see `IdempotencyClaim`. A claim older than `staleAfter` that never
    /// got a response (its request died, or its outcome is unknown) is taken over by the same
    /// request; claims older than a day are forgotten.
    func claim(_ key: IdempotencyKey, fingerprint: Data, staleAfter: Duration) async throws -> IdempotencyClaim
    /// Records the response of the request holding `claim`, replayed to every later request with
    /// the key. Does nothing if another request took the claim over meanwhile.
    func complete(_ key: IdempotencyKey, claim: String, response: StoredResponse) async throws
    /// Gives up `claim` of a request that did not run, so that a retry runs at once.
    func release(_ key: IdempotencyKey, claim: String) async throws
}
