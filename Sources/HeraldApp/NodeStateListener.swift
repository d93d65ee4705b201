import Logging
import PostgresNIO
import PubSub
import ServiceLifecycle

/// Keeps the node-state cache coherent with changes made by other processes: PostgreSQL announces
/// every node whose configuration, affiliations or subscriptions changed, with the name of the
/// Herald that wrote it (migrations 0004 and 0009), and the node's cached state is dropped. The
/// changes this Herald wrote are skipped, but for a failed write's: its cache saw the others as
/// they were answered.
///
/// While not listening, announcements are lost, so each time listening (re)starts the whole cache
/// is dropped first.
struct NodeStateListener: Service {
    static let channel = "herald_node_changes"

    let postgres: PostgresClient
    let cache: CachedPubSubStore
    /// This process's name in the announcements, the `herald.writer` its connections set.
    let writer: String
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
                                let change = NodeStateChange(payload: notification.payload)
                                self.cache.announced(node: change.node, own: change.writer == self.writer)
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
