import Foundation
import PostgresNIO
import PubSubHTTP
import Testing
import XMPPCore

@testable import PubSubPostgres

/// The HTTP API's store: idempotency claims on both stores, tokens on PostgreSQL (issue 6).
@Suite struct APIStoreContractTests {
    /// The cache is the pubsub store's alone: the API store runs without it.
    static var backends: [StoreContractTests.Backend] { StoreContractTests.backends.filter { $0 != .cachedPostgres } }

    static func withStore(
        _ backend: StoreContractTests.Backend,
        _ body: @Sendable (any APIStore) async throws -> Void
    ) async throws {
        switch backend {
        case .memory:
            try await body(InMemoryAPIStore())
        case .postgres, .cachedPostgres:
            try await TestDatabase.migrated.value
            try await TestDatabase.withClient { client in
                try await body(PostgresAPIStore(client: client, logger: TestDatabase.logger))
            }
        }
    }

    static func key() -> IdempotencyKey {
        IdempotencyKey(tokenID: "t-\(UUID().uuidString)", key: "k1")
    }

    static let created = StoredResponse(
        status: 201,
        contentType: "application/json",
        location: "/v1/nodes/n/items/i",
        body: Data(#"{"id":"i"}"#.utf8)
    )

    /// The claim ID of a `.claimed` answer; records an issue for any other.
    static func claimed(
        _ claim: IdempotencyClaim,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        guard case .claimed(let id) = claim else {
            Issue.record("expected a claim, got \(claim)", sourceLocation: sourceLocation)
            return ""
        }
        return id
    }

    @Test(arguments: Self.backends) func aKeyRunsOnceAndReplaysItsResponse(
        _ backend: StoreContractTests.Backend
    ) async throws {
        try await Self.withStore(backend) { store in
            let key = Self.key()
            let request = Data("request".utf8)
            let claim = Self.claimed(try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)))
            #expect(try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)) == .inProgress)
            #expect(try await store.claim(key, fingerprint: Data("other".utf8), staleAfter: .seconds(60)) == .mismatch)
            try await store.complete(key, claim: claim, response: Self.created)
            #expect(
                try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)) == .completed(Self.created)
            )
            // Completed responses are kept: neither a release nor staleness drops them.
            try await store.release(key, claim: claim)
            #expect(try await store.claim(key, fingerprint: request, staleAfter: .zero) == .completed(Self.created))
            // Keys are per token.
            let otherToken = IdempotencyKey(tokenID: key.tokenID + "-other", key: key.key)
            _ = Self.claimed(try await store.claim(otherToken, fingerprint: request, staleAfter: .seconds(60)))
        }
    }

    @Test(arguments: Self.backends) func aReleasedOrStaleClaimMayBeRetried(
        _ backend: StoreContractTests.Backend
    ) async throws {
        try await Self.withStore(backend) { store in
            let key = Self.key()
            let request = Data("request".utf8)
            let first = Self.claimed(try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)))
            try await store.release(key, claim: first)
            let second = Self.claimed(try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)))
            // A claim whose request died (no response) is taken over once stale, by the same request only.
            try await Task.sleep(for: .milliseconds(5))
            #expect(try await store.claim(key, fingerprint: Data("other".utf8), staleAfter: .zero) == .mismatch)
            let third = Self.claimed(try await store.claim(key, fingerprint: request, staleAfter: .zero))
            #expect(Set([first, second, third]).count == 3)
            // The request that lost its claim can neither release nor answer for the one that took it.
            try await store.release(key, claim: second)
            #expect(try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)) == .inProgress)
            try await store.complete(key, claim: second, response: Self.created)
            #expect(try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)) == .inProgress)
            try await store.complete(key, claim: third, response: Self.created)
            #expect(
                try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)) == .completed(Self.created)
            )
        }
    }

    @Test(arguments: Self.backends) func concurrentFirstClaimsLetExactlyOneRun(
        _ backend: StoreContractTests.Backend
    ) async throws {
        try await Self.withStore(backend) { store in
            let key = Self.key()
            let claims = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
                for _ in 0..<16 {
                    group.addTask { try await store.claim(key, fingerprint: Data("r".utf8), staleAfter: .seconds(60)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(claims.filter { if case .claimed = $0 { true } else { false } }.count == 1)
            #expect(claims.filter { $0 == .inProgress }.count == 15)
        }
    }
}

@Suite(.enabled(if: TestDatabase.isConfigured, "needs HERALD_TEST_POSTGRES_URL"))
struct PostgresTokenTests {
    @Test func tokensAreStoredHashedAndRevokedAtOnce() async throws {
        try await TestDatabase.migrated.value
        try await TestDatabase.withClient { client in
            let store = PostgresAPIStore(client: client, logger: TestDatabase.logger)
            let jid = try JID("backend-\(UUID().uuidString.prefix(8).lowercased())@localhost")
            let token = try await store.createToken(jid: jid, label: "ci")
            #expect(token.secret.hasPrefix(APIToken.prefix))
            #expect(
                try await store.caller(tokenHash: APIToken.hash(token.secret)) == Caller(tokenID: token.id, jid: jid)
            )
            #expect(try await store.caller(tokenHash: APIToken.hash(token.secret + "x")) == nil)
            // The row holds the SHA-256 of the secret, and the secret nowhere.
            let hashed = try await client.query(
                """
                SELECT count(*) FROM api_tokens
                WHERE token_id = \(token.id) AND token_hash = sha256(convert_to(\(token.secret), 'UTF8'))
                """
            ).collect()
            #expect(try hashed.first?.decode(Int.self) == 1)
            let plain = try await client.query(
                """
                SELECT count(*) FROM api_tokens
                WHERE position(\(Data(token.secret.utf8)) in token_hash) > 0
                   OR \(token.secret) IN (token_id, jid, label)
                """
            ).collect()
            #expect(try plain.first?.decode(Int.self) == 0)
            let listed = try #require(try await store.tokens().first { $0.id == token.id })
            #expect(listed.jid == jid.description)
            #expect(listed.label == "ci")
            #expect(listed.revokedAt == nil)
            #expect(try await store.revokeToken(id: token.id))
            #expect(try await store.caller(tokenHash: APIToken.hash(token.secret)) == nil)
            #expect(try await !store.revokeToken(id: token.id))
            #expect(try await store.tokens().first { $0.id == token.id }?.revokedAt != nil)
        }
    }
}
