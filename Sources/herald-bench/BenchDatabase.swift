import Foundation
import Logging
import PostgresNIO

/// The bench's own access to PostgreSQL: it writes many nodes and subscriptions as copies of one
/// node and one subscription Herald created itself (so every column is in Herald's own format),
/// since subscribing a million JIDs one IQ at a time would take longer than the measurement, and
/// it deletes each run's nodes afterwards.
struct BenchDatabase {
    /// Copies `template` to `names` (its configuration and owner) and gives each node `subscribers`
    /// subscriptions shaped like `templateSubscriber`'s: JIDs `u<node>x<user>-<run>@bench/r`,
    /// except (0, 0), which is the template's own. One transaction.
    static func seed(
        template: String,
        templateSubscriber: String,
        names: [String],
        subscribers: Int,
        run: String
    ) async throws {
        try await Self.withClient { client, logger in
            let others = Array(names.dropFirst())
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    """
                    INSERT INTO nodes (node_id, config, creator, created_at)
                    SELECT name, config, creator, created_at FROM nodes, unnest(\(others)::text[]) AS name
                    WHERE node_id = \(template)
                    """,
                    logger: logger
                )
                try await connection.query(
                    """
                    INSERT INTO affiliations (node_id, jid, affiliation)
                    SELECT name, jid, affiliation FROM affiliations, unnest(\(others)::text[]) AS name
                    WHERE node_id = \(template)
                    """,
                    logger: logger
                )
                try await connection.query(
                    """
                    INSERT INTO subscriptions (node_id, jid, subscription_id, state, created_at, options, bare_jid)
                    SELECT names.name, jids.full, 'seed-' || names.n || 'x' || users.u, state, created_at, options, jids.bare
                    FROM subscriptions,
                         unnest(\(names)::text[]) WITH ORDINALITY AS names(name, n),
                         generate_series(0, \(subscribers) - 1) AS users(u),
                         LATERAL (SELECT 'u' || (names.n - 1) || 'x' || users.u || '-' || \(run) || '@bench' AS bare) AS b,
                         LATERAL (SELECT b.bare || '/r' AS full, b.bare AS bare) AS jids
                    WHERE subscriptions.node_id = \(template) AND subscriptions.jid = \(templateSubscriber)
                      AND NOT (names.n = 1 AND users.u = 0)
                    """,
                    logger: logger
                )
            }
        }
    }

    /// Deletes the nodes of a run (their items, subscriptions and affiliations go with them), so
    /// that runs do not pile up in the database.
    static func forget(run: String) async throws {
        try await Self.withClient { client, logger in
            try await client.query("DELETE FROM nodes WHERE node_id LIKE \("bench-\(run)-%")", logger: logger)
        }
    }

    /// A client to the PostgreSQL named by Herald's environment variables, for the time of `body`.
    private static func withClient(_ body: (PostgresClient, Logger) async throws -> Void) async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration = PostgresClient.Configuration(
            host: environment["HERALD_POSTGRES_HOST"] ?? "127.0.0.1",
            port: Int(environment["HERALD_POSTGRES_PORT"] ?? "") ?? 5432,
            username: environment["HERALD_POSTGRES_USER"] ?? "herald",
            password: environment["HERALD_POSTGRES_PASSWORD"],
            database: environment["HERALD_POSTGRES_DATABASE"] ?? "herald",
            tls: .disable
        )
        let client = PostgresClient(configuration: configuration)
        let logger = Logger(label: "herald-bench.database")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await body(client, logger)
        }
    }
}
