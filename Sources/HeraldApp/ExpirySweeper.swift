import Logging
import PubSub
import PubSubPostgres
import ServiceLifecycle

/// A background job: every `interval`, items older than their node's `pubsub#item_expire` are
/// deleted, so storage does not wait for the node to be read. (Reads and publishes expire items
/// on their own too, so none is ever served late.) Idempotency keys older than a day go too.
struct ExpirySweeper: Service {
    let service: PubSubService
    let apiStore: PostgresAPIStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return
            }
            do {
                try await self.service.expireItemsEverywhere()
                _ = try await self.apiStore.forgetIdempotencyKeys()
            } catch {
                // The database may be down: the next round tries again.
                self.logger.warning("item expiry sweep failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
