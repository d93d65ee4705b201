import Logging
import PostgresNIO
import PubSub
import ServiceLifecycle
import XMPPComponent

/// PostgreSQL may come up after Herald (containers start together) or be down for a while: the
/// start-up work is retried with backoff while the database cannot be reached, and each failed
/// attempt is logged, so Herald neither crash-loops nor waits silently.
enum DatabaseWait {
    static let backoff = BackoffPolicy(initialDelay: .milliseconds(500), maximumDelay: .seconds(15))
    /// postgres-nio queues a query while it cannot connect; an attempt is given up after this.
    static let attemptTimeout: Duration = .seconds(5)

    /// Runs `work` until it gets through. The database refusing a statement (a broken migration,
    /// a wrong password) is thrown at once; a graceful shutdown while waiting throws `CancellationError`.
    static func untilReachable(logger: Logger, _ work: @escaping @Sendable () async throws -> Void) async throws {
        var random = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Deadline.run(within: Self.attemptTimeout, work)
                }
                if attempt > 0 {
                    logger.info("database reachable", metadata: ["postgres.attempts": "\(attempt + 1)"])
                }
                return
            } catch let error as PSQLError where error.code == .server {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                attempt += 1
                let delay = Self.backoff.delay(attempt: attempt, using: &random)
                logger.warning(
                    "database not reachable; not ready, retrying",
                    metadata: ["postgres.attempt": "\(attempt)", "postgres.delay": "\(delay)", "error": "\(error)"]
                )
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            }
        }
    }
}
