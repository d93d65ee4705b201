import PostgresNIO
import PubSub
import Testing

@testable import PubSubPostgres

/// How much of the items index a publish reads to trim its node (issue 7: trimming bounded by the
/// (node_id, sequence) index). Counted with PostgreSQL's statistics of the current transaction,
/// which the test rolls back.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs HERALD_TEST_POSTGRES_URL"))
struct PublishTrimTests {
    static let maxItems = 50

    @Test func aPublishToAFullNodeReadsItsNewestEntriesOnce() async throws {
        try await TestDatabase.migrated.value
        let id = StoreContractTests.nodeID("trim")
        try await TestDatabase.withClient { client in
            let store = PostgresPubSubStore(client: client, logger: TestDatabase.logger)
            try await store.createNode(StoreContractTests.node(id, NodeConfiguration(maxItems: Self.maxItems)))
            _ = try await store.publish(
                try (0..<Self.maxItems).map {
                    Publication(node: id, item: try StoreContractTests.item("i\($0)", "\($0)"))
                }
            )
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: TestDatabase.logger)
                let before = try await Self.itemsRead(connection)
                try await connection.query(
                    """
                    SELECT * FROM herald_publish(ARRAY[\(id)], ARRAY['next'], ARRAY['<x/>'], ARRAY[true],
                        ARRAY['alice@localhost'], ARRAY[now()])
                    """,
                    logger: TestDatabase.logger
                )
                let after = try await Self.itemsRead(connection)
                let (read, scanned) = (after.indexEntries - before.indexEntries, after.rowsScanned - before.rowsScanned)
                let oldest = try await connection.query(
                    "SELECT count(*)::int FROM items WHERE node_id = \(id) AND item_id = 'i0'",
                    logger: TestDatabase.logger
                ).collect()
                try await connection.query("ROLLBACK", logger: TestDatabase.logger)
                #expect(try oldest.first?.decode(Int.self) == 0, "the oldest item is trimmed")
                // The cutoff reads max_items + 1 entries, the delete the one it removes. Comparing each
                // item with a cutoff computed again for it read (max_items + 1)² (migration 0008).
                #expect(read <= 2 * (Self.maxItems + 1), "read \(read) entries of items_node_sequence")
                #expect(scanned == 0, "read \(scanned) rows of items in sequential scans")
            }
            #expect(try await store.deleteNode(id))
        }
    }

    /// What this transaction has read of the items: entries of the (node_id, sequence) index, and
    /// rows in sequential scans of the table.
    static func itemsRead(_ connection: PostgresConnection) async throws -> (indexEntries: Int, rowsScanned: Int) {
        let rows = try await connection.query(
            """
            SELECT pg_stat_get_xact_tuples_returned('items_node_sequence'::regclass)::int,
                   pg_stat_get_xact_tuples_returned('items'::regclass)::int
            """,
            logger: TestDatabase.logger
        ).collect()
        return try #require(try rows.first?.decode((Int, Int).self))
    }
}
