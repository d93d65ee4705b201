package import Logging
package import PostgresNIO

/// Applies the migrations that a database lacks, each in its own transaction.
///
/// A session-level advisory lock serializes instances that start together: the second waits,
/// then finds the migrations recorded and applies nothing.
package struct Migrator: Sendable {
    /// `pg_advisory_lock` key: "herald" in ASCII, so it is recognisable in `pg_locks`.
    static let lockKey: Int64 = 0x68_65_72_61_6c_64

    let client: PostgresClient
    let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies what is missing; returns the versions applied by this call.
    @discardableResult
    package func migrate(_ migrations: [Migration]) async throws -> [Int] {
        try await self.client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: self.logger)
            do {
                let applied = try await self.apply(migrations, on: connection)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: self.logger)
                return applied
            } catch {
                // The connection goes back to the pool: never leave the lock held on it.
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: self.logger)
                throw error
            }
        }
    }

    private func apply(_ migrations: [Migration], on connection: PostgresConnection) async throws -> [Int] {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS herald_schema_migrations (
                version    integer     PRIMARY KEY,
                name       text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: self.logger
        )
        var done = Set<Int>()
        for try await version in try await connection.query(
            "SELECT version FROM herald_schema_migrations",
            logger: self.logger
        )
        .decode(Int.self) {
            done.insert(version)
        }
        var applied: [Int] = []
        for migration in migrations where !done.contains(migration.version) {
            try await connection.withTransaction(logger: self.logger) { transaction in
                for statement in SQLStatementSplitter.split(migration.sql) {
                    try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await transaction.query(
                    "INSERT INTO herald_schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: self.logger
                )
            }
            self.logger.info("migration applied", metadata: ["db.migration": "\(migration.version)_\(migration.name)"])
            applied.append(migration.version)
        }
        return applied
    }
}
