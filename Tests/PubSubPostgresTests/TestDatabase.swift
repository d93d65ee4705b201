import Foundation
import Logging
import PostgresNIO
import PubSubPostgres
import Testing

/// The PostgreSQL of the test stack, from `HERALD_TEST_POSTGRES_URL` (postgres://user:password@host:port/database).
///
/// Unset, the suites that need it are disabled so that a bare `swift test` passes; the README's
/// test command always sets it and fails if the stack cannot start, so in CI nothing is skipped.
enum TestDatabase {
    static let url: URLComponents? = ProcessInfo.processInfo.environment["HERALD_TEST_POSTGRES_URL"].flatMap(
        URLComponents.init(string:)
    )

    static var isConfigured: Bool { Self.url != nil }

    static let logger = Logger(label: "test.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    static func configuration(database: String? = nil) throws -> PostgresClient.Configuration {
        let url = try #require(Self.url, "HERALD_TEST_POSTGRES_URL is not set")
        return PostgresClient.Configuration(
            host: url.host ?? "127.0.0.1",
            port: url.port ?? 5432,
            username: url.user ?? "herald",
            password: url.password,
            database: database ?? String(url.path.dropFirst()),
            tls: .disable
        )
    }

    /// Runs `body` with a running client; the client stops when `body` returns.
    @discardableResult
    static func withClient<T: Sendable>(
        database: String? = nil,
        _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(
            configuration: try Self.configuration(database: database),
            backgroundLogger: Self.logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    static var schemasDirectory: String {
        // Tests/PubSubPostgresTests/TestDatabase.swift → repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("Schemas").path
    }

    /// Applies the real migrations to the test database once per process.
    static let migrated: Task<Void, any Error> = Task {
        _ = try await Self.withClient { client in
            try await Migrator(client: client, logger: Self.logger).migrate(
                try Migration.load(from: Self.schemasDirectory)
            )
        }
    }
}
