import PostgresNIO
import PubSub
import Testing

@testable import PubSubPostgres

/// Each change to a node's state is announced with the name of the Herald that wrote it (migration
/// 0009), so that a Herald can skip its own writes and drop what other processes changed.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs HERALD_TEST_POSTGRES_URL"))
struct NodeChangeAnnouncementTests {
    @Test(.timeLimit(.minutes(1))) func eachChangeNamesItsWriterOrNone() async throws {
        try await TestDatabase.migrated.value
        let id = StoreContractTests.nodeID("announced")
        var named = try TestDatabase.configuration()
        named.options.additionalStartupParameters = [("herald.writer", "writer-1")]
        let writer = PostgresClient(configuration: named, backgroundLogger: TestDatabase.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await writer.run() }
            defer { group.cancelAll() }
            try await TestDatabase.withClient { client in
                try await client.withConnection { connection in
                    try await connection.listen(on: "herald_node_changes") { notifications in
                        // The owner's affiliation announces the new node, as its writer's.
                        try await PostgresPubSubStore(client: writer, logger: TestDatabase.logger)
                            .createNode(StoreContractTests.node(id))
                        // A process that names no writer, as the herald CLI or psql.
                        #expect(
                            try await PostgresPubSubStore(client: client, logger: TestDatabase.logger).deleteNode(id)
                        )
                        var payloads: [String] = []
                        // Other tests' nodes are announced on the same channel.
                        for try await notification in notifications where notification.payload.hasSuffix(id) {
                            payloads.append(notification.payload)
                            if payloads.count == 2 { break }
                        }
                        #expect(payloads == ["writer-1 \(id)", " \(id)"])
                    }
                }
            }
        }
    }
}
