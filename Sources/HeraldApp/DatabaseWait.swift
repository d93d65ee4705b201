import Logging
import PostgresNIO
import PubSub
import ServiceLifecycle
import XMPPComponent

/// PostgreSQL may come up after Herald (containers start together) or be down for a while: Herald
/// waits for it with backoff, logging each failed attempt with its reason, so it neither
/// crash-loops nor waits silently. postgres-nio retries failed logins inside its pool, so a wrong
/// password is waited for too, with the server's reason in every log line.
enum DatabaseWait {
    static let backoff = BackoffPolicy(initialDelay: .milliseconds(500), maximumDelay: .seconds(15))
    /// postgres-nio queues a query while it cannot connect; an attempt is given up after this.
    static let attemptTimeout: Duration = .seconds(5)

    /// Returns once `postgres` answers `SELECT 1`; a graceful shutdown while waiting throws
    /// `CancellationError`.
    static func untilReachable(_ postgres: PostgresClient, logger: Logger) async throws {
        var random = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Deadline.run(within: Self.attemptTimeout) {
                        _ = try await postgres.query("SELECT 1").collect()
                    }
                }
                if attempt > 0 {
                    logger.info("database reachable", metadata: ["postgres.attempts": "\(attempt + 1)"])
                }
                return
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                attempt += 1
                let delay = Self.backoff.delay(attempt: attempt, using: &random)
                logger.warning(
                    "database not reachable; not ready, retrying",
                    metadata: [
                        "postgres.attempt": "\(attempt)", "postgres.delay": "\(delay)",
                        // PSQLError's description hides the server's message; its reflection shows it.
                        "error": "\(String(reflecting: error))",
                    ]
                )
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            }
        }
    }
}
