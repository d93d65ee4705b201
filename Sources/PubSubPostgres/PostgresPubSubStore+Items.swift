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
        // One call and one commit, whatever the number of items: the group commit. The procedure
        // commits before CALL returns, so its answer means the items are durable (migrations 0005
        // and 0006 have the statements and why they are safe).
        let rows = try await self.client.query(
            """
            CALL herald_publish_batch(\(nodes), \(ids), \(payloads), \(hasPayload), \(publishers), \(dates), NULL, NULL)
            """,
            logger: self.logger
        )
        var sequences = [Int64?](repeating: nil, count: publications.count)
        for try await (ordinals, stored) in rows.decode(([Int], [Int64]).self) {
            for (ordinal, sequence) in zip(ordinals, stored) {
                sequences[ordinal - 1] = sequence
            }
        }
        return sequences
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
