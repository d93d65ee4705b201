/// An `Idempotency-Key` header, scoped to the token that sent it.
package struct IdempotencyKey: Sendable, Hashable {
    package var tokenID: String
    package var key: String

    package init(tokenID: String, key: String) {
        self.tokenID = tokenID
        self.key = key
    }
}
