import FoundationEssentials
import PostgresNIO
package import PubSub
import XMPPCore

extension PostgresPubSubStore {
    package func publish(_ item: Item, node: String) async throws {
        // One transaction of three statements. The UPDATE takes the node row's lock, which serializes
        // publishes to the node, and yields the next sequence and max_items from the locked row. The
        // INSERT and the DELETE are separate statements so that each takes a fresh snapshot after
        // the lock: a publish that committed while this one waited is seen and counted when trimming.
        try await self.withTransaction { connection in
            let next = try await connection.query(
                """
                UPDATE nodes SET last_sequence = last_sequence + 1 WHERE node_id = \(node)
                RETURNING last_sequence, max_items
                """,
                logger: self.logger
            )
            var locked: (sequence: Int64, maxItems: Int)?
            for try await row in next.decode((Int64, Int).self) {
                locked = row
            }
            guard let locked else { throw PubSubStoreError.nodeNotFound }
            try await connection.query(
                """
                INSERT INTO items (node_id, item_id, sequence, payload, publisher, published_at)
                VALUES (\(node), \(item.id), \(locked.sequence), \(item.payload), \(item.publisher.description), \(item.publishedAt))
                ON CONFLICT (node_id, item_id) DO UPDATE
                    SET sequence = EXCLUDED.sequence, payload = EXCLUDED.payload,
                        publisher = EXCLUDED.publisher, published_at = EXCLUDED.published_at
                """,
                logger: self.logger
            )
            try await connection.query(
                """
                DELETE FROM items
                WHERE node_id = \(node) AND sequence <= (
                    SELECT sequence FROM items WHERE node_id = \(node)
                    ORDER BY sequence DESC OFFSET \(locked.maxItems) LIMIT 1
                )
                """,
                logger: self.logger
            )
        }
    }

    package func items(node: String, limit: Int?, byteBudget: Int) async throws -> ItemPage {
        // Newest first with a running total of payload bytes, which only grows, so the rows within
        // the budget are the newest ones without a gap; the newest item always qualifies.
        let rows = try await self.client.query(
            """
            SELECT item_id, payload, publisher, published_at, total FROM (
                SELECT item_id, payload, publisher, published_at, sequence,
                       count(*) OVER () AS total,
                       row_number() OVER (ORDER BY sequence DESC) AS position,
                       sum(coalesce(octet_length(payload), 0)) OVER (ORDER BY sequence DESC) AS running
                FROM items WHERE node_id = \(node)
            ) newest
            WHERE (position = 1 OR running <= \(byteBudget)) AND (\(limit)::bigint IS NULL OR position <= \(limit))
            ORDER BY sequence
            """,
            logger: self.logger
        )
        var items: [Item] = []
        var total = 0
        for try await (id, payload, publisher, publishedAt, count) in rows.decode(
            (String, String?, String, Date, Int).self
        ) {
            items.append(Item(id: id, payload: payload, publisher: try JID(publisher), publishedAt: publishedAt))
            total = count
        }
        return ItemPage(items: items, total: total)
    }

    package func items(node: String, ids: [String]) async throws -> [Item] {
        let rows = try await self.client.query(
            """
            SELECT item_id, payload, publisher, published_at FROM items
            WHERE node_id = \(node) AND item_id = ANY(\(ids)) ORDER BY sequence
            """,
            logger: self.logger
        )
        var items: [Item] = []
        for try await (id, payload, publisher, publishedAt) in rows.decode((String, String?, String, Date).self) {
            items.append(Item(id: id, payload: payload, publisher: try JID(publisher), publishedAt: publishedAt))
        }
        return items
    }

    package func retract(node: String, itemID: String) async throws -> Bool {
        let rows = try await self.client.query(
            "DELETE FROM items WHERE node_id = \(node) AND item_id = \(itemID) RETURNING 1",
            logger: self.logger
        )
        return try await !rows.collect().isEmpty
    }

    package func itemIDs(node: String) async throws -> [String] {
        let rows = try await self.client.query(
            "SELECT item_id FROM items WHERE node_id = \(node) ORDER BY sequence",
            logger: self.logger
        )
        var ids: [String] = []
        for try await id in rows.decode(String.self) {
            ids.append(id)
        }
        return ids
    }
}
