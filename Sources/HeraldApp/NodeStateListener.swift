import Logging
import PostgresNIO
import PubSub
import ServiceLifecycle

/// Keeps the node-state cache coherent with changes made by other processes: PostgreSQL announces
/// every node whose configuration, affiliations or subscriptions changed (migration 0004), and the
/// node's cached state is dropped.
///
/// While not listening, announcements are lost, so each time listening (re)starts the whole cache
/// is dropped first.
struct NodeStateListener: Service {
    static let channel = "herald_node_state"

    let postgres: PostgresClient
    let cache: CachedPubSubStore
    let logger: Logger
    /// The pause before listening again after the connection was lost.
    var retryDelay: Duration = .seconds(1)

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown {
                    try await self.postgres.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            self.cache.invalidateAll()
                            self.logger.debug("listening for node state changes")
                            for try await notification in notifications {
                                self.cache.invalidate(node: notification.payload)
                            }
                        }
                    }
                }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                self.cache.invalidateAll()
                self.logger.warning("node state listener lost its connection", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.retryDelay) }
        }
    }
}
