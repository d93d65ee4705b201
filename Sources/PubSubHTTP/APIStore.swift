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

/// An `Idempotency-Key` header, scoped to the token that sent it.
package struct IdempotencyKey: Sendable, Hashable {
    package var tokenID: String
    package var key: String

    package init(tokenID: String, key: String) {
        self.tokenID = tokenID
        self.key = key
    }
}

package enum IdempotencyClaim: Sendable, Hashable {
    /// The key is this request's, under this claim ID: run it.
    case claimed(String)
    /// The key's request finished: answer with its response.
    case completed(StoredResponse)
    /// The key's request is still running.
    case inProgress
    /// The key was used for a different request.
    case mismatch
}

/// A response as it is stored for replay.
package struct StoredResponse: Sendable, Hashable {
    package var status: Int
    package var contentType: String?
    package var location: String?
    package var body: Data

    package init(status: Int, contentType: String?, location: String?, body: Data) {
        self.status = status
        self.contentType = contentType
        self.location = location
        self.body = body
    }
}
