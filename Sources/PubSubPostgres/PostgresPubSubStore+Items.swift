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
                RETURNING last_sequence, (config->>'maxItems')::integer
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

    package func items(node: String, query: ItemQuery) async throws -> ItemPage {
        // Index 0 is the newest item. A page is a run of indices filled away from its anchor:
        // towards older items from `low`, or towards newer ones from `high`.
        let (low, high, olderFirst): (Int, Int, Bool)
        switch query.start {
        case .newest: (low, high, olderFirst) = (0, .max, true)
        case .index(let index): (low, high, olderFirst) = (index, .max, true)
        case .after(let id): (low, high, olderFirst) = (try await self.index(of: id, node: node) + 1, .max, true)
        case .before(let id): (low, high, olderFirst) = (0, try await self.index(of: id, node: node) - 1, false)
        case .oldest: (low, high, olderFirst) = (0, .max, false)
        }
        let direction = olderFirst ? 1 : -1
        // A running total of payload bytes in filling order only grows, so the rows within the
        // budget are contiguous from the anchor; the first one always qualifies.
        let rows = try await self.client.query(
            """
            SELECT item_id, payload, publisher, published_at, idx, total FROM (
                SELECT *, row_number() OVER (ORDER BY idx * \(direction)) AS position,
                       sum(coalesce(octet_length(payload), 0)) OVER (ORDER BY idx * \(direction)) AS running
                FROM (
                    SELECT item_id, payload, publisher, published_at, count(*) OVER () AS total,
                           row_number() OVER (ORDER BY sequence DESC) - 1 AS idx
                    FROM items WHERE node_id = \(node)
                ) ranked
                WHERE idx BETWEEN \(low) AND \(high)
            ) paged
            WHERE (position = 1 OR running <= \(query.byteBudget))
              AND (\(query.limit)::bigint IS NULL OR position <= \(query.limit))
            ORDER BY idx
            """,
            logger: self.logger
        )
        var items: [Item] = []
        var firstIndex: Int?
        var total: Int?
        for try await (id, payload, publisher, publishedAt, index, count) in rows.decode(
            (String, String?, String, Date, Int, Int).self
        ) {
            items.append(Item(id: id, payload: payload, publisher: try JID(publisher), publishedAt: publishedAt))
            firstIndex = firstIndex ?? index
            total = count
        }
        if total == nil {
            total = try await self.itemCount(node: node)
        }
        let emptyIndex: Int
        if case .index(let index) = query.start { emptyIndex = index } else { emptyIndex = 0 }
        return ItemPage(items: items, total: total ?? 0, firstIndex: firstIndex ?? emptyIndex)
    }

    /// The index of an item, newest first; `PubSubStoreError.itemNotFound` if the node has no such item.
    private func index(of itemID: String, node: String) async throws -> Int {
        let rows = try await self.client.query(
            """
            SELECT (SELECT count(*) FROM items newer WHERE newer.node_id = \(node) AND newer.sequence > anchor.sequence)
            FROM items anchor WHERE anchor.node_id = \(node) AND anchor.item_id = \(itemID)
            """,
            logger: self.logger
        )
        for try await index in rows.decode(Int.self) {
            return index
        }
        throw PubSubStoreError.itemNotFound
    }

    private func itemCount(node: String) async throws -> Int {
        let rows = try await self.client.query(
            "SELECT count(*) FROM items WHERE node_id = \(node)",
            logger: self.logger
        )
        for try await count in rows.decode(Int.self) {
            return count
        }
        return 0
    }

    package func items(node: String, ids: [String]) async throws -> [Item] {
        let rows = try await self.client.query(
            """
            SELECT item_id, payload, publisher, published_at FROM items
            WHERE node_id = \(node) AND item_id = ANY(\(ids)) ORDER BY sequence DESC
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
            "SELECT item_id FROM items WHERE node_id = \(node) ORDER BY sequence DESC",
            logger: self.logger
        )
        var ids: [String] = []
        for try await id in rows.decode(String.self) {
            ids.append(id)
        }
        return ids
    }
}
