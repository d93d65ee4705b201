import FoundationEssentials
import PostgresNIO
package import PubSub
import XMPPCore

extension PostgresPubSubStore {
    package func publish(_ publications: [Publication]) async throws -> [Int64?] {
        guard !publications.isEmpty else { return [] }
        let nodes = publications.map(\.node)
        let ids = publications.map(\.item.id)
        let payloads = publications.map { $0.item.payload ?? "" }
        let hasPayload = publications.map { $0.item.payload != nil }
        let publishers = publications.map(\.item.publisher.description)
        let dates = publications.map(\.item.publishedAt)
        // One transaction of two statements, whatever the number of items: the group commit.
        // - The UPDATE takes each node row's lock, which serializes publishes to a node, and
        //   reserves one sequence per item from the locked row.
        // - Only the last of several items with one ItemID is written (an upsert may not touch a
        //   row twice in one statement); the others still take their sequence, as if replaced.
        // - Trimming is a second statement so that its snapshot, taken after the lock, sees every
        //   item: those committed while this one waited, and this batch's.
        return try await self.withTransaction { connection in
            let rows = try await connection.query(
                """
                WITH input AS (
                    SELECT * FROM unnest(\(nodes)::text[], \(ids)::text[], \(payloads)::text[],
                                         \(hasPayload)::boolean[], \(publishers)::text[], \(dates)::timestamptz[])
                        WITH ORDINALITY AS i(node_id, item_id, payload, has_payload, publisher, published_at, ord)
                ), counts AS (
                    SELECT node_id, count(*) AS n FROM input GROUP BY node_id
                ), reserved AS (
                    UPDATE nodes SET last_sequence = nodes.last_sequence + counts.n
                    FROM counts WHERE nodes.node_id = counts.node_id
                    RETURNING nodes.node_id, nodes.last_sequence - counts.n AS base,
                              (nodes.config->>'maxItems')::integer AS max_items
                ), numbered AS (
                    SELECT input.*, reserved.max_items,
                           reserved.base + row_number() OVER (PARTITION BY input.node_id ORDER BY input.ord) AS sequence,
                           row_number() OVER (PARTITION BY input.node_id, input.item_id ORDER BY input.ord DESC) AS newest
                    FROM input JOIN reserved USING (node_id)
                ), stored AS (
                    INSERT INTO items (node_id, item_id, sequence, payload, publisher, published_at)
                    SELECT node_id, item_id, sequence, CASE WHEN has_payload THEN payload END, publisher, published_at
                    FROM numbered WHERE newest = 1
                    ON CONFLICT (node_id, item_id) DO UPDATE
                        SET sequence = EXCLUDED.sequence, payload = EXCLUDED.payload,
                            publisher = EXCLUDED.publisher, published_at = EXCLUDED.published_at
                )
                SELECT ord, sequence, max_items FROM numbered
                """,
                logger: self.logger
            )
            var sequences = [Int64?](repeating: nil, count: publications.count)
            var maxItems: [String: Int] = [:]
            for try await (ordinal, sequence, max) in rows.decode((Int, Int64, Int).self) {
                sequences[ordinal - 1] = sequence
                maxItems[publications[ordinal - 1].node] = max
            }
            try await self.trim(maxItems, on: connection)
            return sequences
        }
    }

    package func items(node: String, query: ItemQuery) async throws -> ItemPage {
        // Index 0 is the newest item. A page is a run of indices filled away from its anchor: towards
        // older items up from `low`, or towards newer ones down from `high`. An anchor ItemID moves
        // one bound next to the anchor's index.
        var (low, high, direction, anchor): (Int, Int, Int, String?) = (0, .max, 1, nil)
        var (afterAnchor, beforeAnchor) = (false, false)
        switch query.start {
        case .newest: break
        case .index(let index): low = index
        case .after(let id): (anchor, afterAnchor) = (id, true)
        case .before(let id): (anchor, beforeAnchor, direction) = (id, true, -1)
        case .oldest: direction = -1
        }
        // One statement, so the anchor, the page and the total come from one snapshot.
        // - Rows are ranked and measured without their payloads (octet_length does not detoast); the
        //   page is then joined back to items, so only its own payloads are read out.
        // - A running total of bytes in filling order only grows, so the rows within the budget are
        //   contiguous from the anchor; the first always qualifies.
        // - The LEFT JOINs keep one row, with the total and the anchor's index, when the page is empty.
        let rows = try await self.client.query(
            """
            WITH ranked AS (
                SELECT item_id, coalesce(octet_length(payload), 0) AS size,
                       row_number() OVER (ORDER BY sequence DESC) - 1 AS idx
                FROM items WHERE node_id = \(node)
            ), bounds AS (
                SELECT (SELECT count(*) FROM ranked) AS total,
                       (SELECT idx FROM ranked WHERE item_id = \(anchor)) AS anchor
            ), page AS (
                SELECT item_id, idx FROM (
                    SELECT item_id, idx, row_number() OVER fill AS position, sum(size) OVER fill AS running
                    FROM ranked, bounds
                    WHERE idx >= (CASE WHEN \(afterAnchor) THEN anchor + 1 ELSE \(low) END)
                      AND idx <= (CASE WHEN \(beforeAnchor) THEN anchor - 1 ELSE \(high) END)
                    WINDOW fill AS (ORDER BY idx * \(direction))
                ) filled
                WHERE (position = 1 OR running <= \(query.byteBudget))
                  AND (\(query.limit)::bigint IS NULL OR position <= \(query.limit))
            )
            SELECT bounds.total, bounds.anchor, page.idx, items.item_id, items.payload, items.publisher, items.published_at
            FROM bounds
            LEFT JOIN page ON true
            LEFT JOIN items ON items.node_id = \(node) AND items.item_id = page.item_id
            ORDER BY page.idx
            """,
            logger: self.logger
        )
        var items: [Item] = []
        var total = 0
        var firstIndex: Int?
        for try await (count, anchorIndex, index, id, payload, publisher, publishedAt) in rows.decode(
            (Int, Int?, Int?, String?, String?, String?, Date?).self
        ) {
            if anchor != nil && anchorIndex == nil { throw PubSubStoreError.itemNotFound }
            total = count
            guard let index, let id, let publisher, let publishedAt else { continue }
            items.append(Item(id: id, payload: payload, publisher: try JID(publisher), publishedAt: publishedAt))
            firstIndex = firstIndex ?? index
        }
        let emptyIndex: Int
        if case .index(let index) = query.start { emptyIndex = index } else { emptyIndex = 0 }
        return ItemPage(items: items, total: total, firstIndex: firstIndex ?? emptyIndex)
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
