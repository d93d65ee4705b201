package import FoundationEssentials
package import Logging
package import PostgresNIO
package import PubSubHTTP
package import XMPPCore

/// `APIStore` on PostgreSQL (tables of Schemas/0003_http_api.sql), with the token administration
/// of `herald tokens`.
package struct PostgresAPIStore: APIStore {
    let client: PostgresClient
    let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// A token as `herald tokens list` shows it; its secret is never stored.
    package struct TokenRecord: Sendable, Hashable {
        package var id: String
        package var jid: String
        package var label: String
        package var createdAt: Date
        package var revokedAt: Date?
    }

    package func caller(tokenHash: Data) async throws -> Caller? {
        let rows = try await self.client.query(
            "SELECT token_id, jid FROM api_tokens WHERE token_hash = \(tokenHash) AND revoked_at IS NULL",
            logger: self.logger
        )
        for try await (id, jid) in rows.decode((String, String).self) {
            return Caller(tokenID: id, jid: try JID(jid))
        }
        return nil
    }

    /// Stores a new token for `jid` and returns its ID and secret (shown once, never stored).
    package func createToken(jid: JID, label: String) async throws -> (id: String, secret: String) {
        let secret = APIToken.generate()
        let id = "tok_" + UUID().uuidString.lowercased().prefix(8)
        try await self.client.query(
            """
            INSERT INTO api_tokens (token_id, token_hash, jid, label, created_at)
            VALUES (\(id), \(APIToken.hash(secret)), \(jid.description), \(label), \(Date()))
            """,
            logger: self.logger
        )
        return (id, secret)
    }

    /// Revokes a token at once; false when no unrevoked token has this ID.
    package func revokeToken(id: String) async throws -> Bool {
        let rows = try await self.client.query(
            "UPDATE api_tokens SET revoked_at = \(Date()) WHERE token_id = \(id) AND revoked_at IS NULL RETURNING 1",
            logger: self.logger
        )
        return try await !rows.collect().isEmpty
    }

    package func tokens() async throws -> [TokenRecord] {
        let rows = try await self.client.query(
            "SELECT token_id, jid, label, created_at, revoked_at FROM api_tokens ORDER BY created_at, token_id",
            logger: self.logger
        )
        var records: [TokenRecord] = []
        for try await (id, jid, label, created, revoked) in rows.decode((String, String, String, Date, Date?).self) {
            records.append(TokenRecord(id: id, jid: jid, label: label, createdAt: created, revokedAt: revoked))
        }
        return records
    }

    package func claim(
        _ key: IdempotencyKey,
        fingerprint: Data,
        staleAfter: Duration
    ) async throws -> IdempotencyClaim {
        let stale = Double(staleAfter.components.seconds)
        // A concurrent first claim of the key may commit after this statement's snapshot was
        // taken: the INSERT then waits for it and does nothing, while the SELECT cannot see its
        // row. Another statement sees it; a few rounds are plenty.
        for _ in 0..<3 {
            if let claim = try await self.claimOnce(key, fingerprint: fingerprint, staleSeconds: stale) {
                return claim
            }
        }
        throw PostgresAPIStoreError.claimContended
    }

    /// One statement: a new key is inserted; an expired claim, or a stale one of the same request
    /// with no response, is taken over. Otherwise the existing row is read as it is. Nil when
    /// neither part saw a row.
    private func claimOnce(
        _ key: IdempotencyKey,
        fingerprint: Data,
        staleSeconds: Double
    ) async throws -> IdempotencyClaim? {
        let claimID = UUID().uuidString
        let rows = try await self.client.query(
            """
            WITH claimed AS (
                INSERT INTO api_idempotency (token_id, key, fingerprint, claim_id, claimed_at)
                VALUES (\(key.tokenID), \(key.key), \(fingerprint), \(claimID), now())
                ON CONFLICT (token_id, key) DO UPDATE
                    SET fingerprint = EXCLUDED.fingerprint, claim_id = EXCLUDED.claim_id, claimed_at = now(),
                        status = NULL, content_type = NULL, location = NULL, body = NULL
                    WHERE api_idempotency.claimed_at < now() - interval '1 day'
                       OR (api_idempotency.status IS NULL
                           AND api_idempotency.fingerprint = EXCLUDED.fingerprint
                           AND api_idempotency.claimed_at < now() - make_interval(secs => \(staleSeconds)))
                RETURNING true AS claimed
            )
            SELECT true, NULL::bytea, NULL::integer, NULL::text, NULL::text, NULL::bytea FROM claimed
            UNION ALL
            SELECT false, fingerprint, status, content_type, location, body FROM api_idempotency
            WHERE token_id = \(key.tokenID) AND key = \(key.key) AND NOT EXISTS (SELECT 1 FROM claimed)
            """,
            logger: self.logger
        )
        for try await (claimed, stored, status, contentType, location, body) in rows.decode(
            (Bool, Data?, Int?, String?, String?, Data?).self
        ) {
            if claimed { return .claimed(claimID) }
            guard stored == fingerprint else { return .mismatch }
            guard let status else { return .inProgress }
            return .completed(
                StoredResponse(status: status, contentType: contentType, location: location, body: body ?? Data())
            )
        }
        return nil
    }

    package func complete(_ key: IdempotencyKey, claim: String, response: StoredResponse) async throws {
        try await self.client.query(
            """
            UPDATE api_idempotency
            SET status = \(response.status), content_type = \(response.contentType),
                location = \(response.location), body = \(response.body)
            WHERE token_id = \(key.tokenID) AND key = \(key.key) AND claim_id = \(claim)
            """,
            logger: self.logger
        )
    }

    package func release(_ key: IdempotencyKey, claim: String) async throws {
        try await self.client.query(
            """
            DELETE FROM api_idempotency
            WHERE token_id = \(key.tokenID) AND key = \(key.key) AND claim_id = \(claim) AND status IS NULL
            """,
            logger: self.logger
        )
    }

    /// Deletes the idempotency records older than a day; returns how many.
    package func forgetIdempotencyKeys() async throws -> Int {
        let rows = try await self.client.query(
            "DELETE FROM api_idempotency WHERE claimed_at < now() - interval '1 day' RETURNING 1",
            logger: self.logger
        )
        return try await rows.collect().count
    }
}
