import Foundation
import PostgresNIO
import PubSubHTTP
import Testing
import XMPPCore

@testable import PubSubPostgres

/// The HTTP API's store: idempotency claims on both stores, tokens on PostgreSQL (issue 6).
@Suite struct APIStoreContractTests {
    static func withStore(
        _ backend: StoreContractTests.Backend,
        _ body: @Sendable (any APIStore) async throws -> Void
    ) async throws {
        switch backend {
        case .memory:
            try await body(InMemoryAPIStore())
        case .postgres:
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

    @Test(arguments: StoreContractTests.backends) func aKeyRunsOnceAndReplaysItsResponse(
        _ backend: StoreContractTests.Backend
    ) async throws {
        try await Self.withStore(backend) { store in
            let key = Self.key()
            let request = Data("request".utf8)
            #expect(try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)) == .claimed)
            #expect(try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)) == .inProgress)
            #expect(try await store.claim(key, fingerprint: Data("other".utf8), staleAfter: .seconds(60)) == .mismatch)
            try await store.complete(key, response: Self.created)
            #expect(
                try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)) == .completed(Self.created)
            )
            // Completed responses are kept: release does not drop them.
            try await store.release(key)
            #expect(try await store.claim(key, fingerprint: request, staleAfter: .zero) == .completed(Self.created))
            // Keys are per token.
            let otherToken = IdempotencyKey(tokenID: key.tokenID + "-other", key: key.key)
            #expect(try await store.claim(otherToken, fingerprint: request, staleAfter: .seconds(60)) == .claimed)
        }
    }

    @Test(arguments: StoreContractTests.backends) func aReleasedOrStaleClaimMayBeRetried(
        _ backend: StoreContractTests.Backend
    ) async throws {
        try await Self.withStore(backend) { store in
            let key = Self.key()
            let request = Data("request".utf8)
            #expect(try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)) == .claimed)
            try await store.release(key)
            #expect(try await store.claim(key, fingerprint: request, staleAfter: .seconds(60)) == .claimed)
            // A claim whose request died (no response) is taken over once stale, by the same request only.
            try await Task.sleep(for: .milliseconds(20))
            #expect(try await store.claim(key, fingerprint: Data("other".utf8), staleAfter: .zero) == .mismatch)
            #expect(try await store.claim(key, fingerprint: request, staleAfter: .zero) == .claimed)
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
            // Only the hash is in the database.
            let rows = try await client.query(
                "SELECT count(*) FROM api_tokens WHERE token_hash = \(Data(token.secret.utf8)) OR jid = \(token.secret)"
            ).collect()
            #expect(try rows.first?.decode(Int.self) == 0)
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
