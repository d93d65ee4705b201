import FoundationEssentials
import PostgresNIO
package import PubSub
import XMPPCore

extension PostgresPubSubStore {
    package func publish(_ item: Item, node: String, maxItems: Int) async throws {
        let payload = item.payload.map { XMLSerializer.serialize($0) }
        // One statement, so one round trip and one commit: take the node's next sequence (the row
        // lock serializes publishes to the node), upsert the item, and drop the items beyond
        // max_items. The DELETE sees the table as it was before this statement, so it keeps the
        // newest max_items − 1 other items; the new one is the max_items-th.
        let rows = try await self.client.query(
            """
            WITH next AS (
                UPDATE nodes SET last_sequence = last_sequence + 1 WHERE node_id = \(node)
                RETURNING last_sequence
            ), upserted AS (
                INSERT INTO items (node_id, item_id, sequence, payload, publisher, published_at)
                SELECT \(node), \(item.id), last_sequence, \(payload), \(item.publisher.description), \(item.publishedAt)
                FROM next
                ON CONFLICT (node_id, item_id) DO UPDATE
                    SET sequence = EXCLUDED.sequence, payload = EXCLUDED.payload,
                        publisher = EXCLUDED.publisher, published_at = EXCLUDED.published_at
                RETURNING sequence
            ), trimmed AS (
                DELETE FROM items
                WHERE node_id = \(node) AND item_id <> \(item.id) AND EXISTS (SELECT 1 FROM next)
                  AND sequence <= (
                      SELECT sequence FROM items WHERE node_id = \(node) AND item_id <> \(item.id)
                      ORDER BY sequence DESC OFFSET \(maxItems - 1) LIMIT 1
                  )
            )
            SELECT sequence FROM upserted
            """,
            logger: self.logger
        )
        guard try await !rows.collect().isEmpty else { throw PubSubStoreError.nodeNotFound }
    }

    package func items(node: String, limit: Int?) async throws -> [Item] {
        let rows = try await self.client.query(
            """
            SELECT item_id, payload, publisher, published_at FROM (
                SELECT item_id, payload, publisher, published_at, sequence FROM items
                WHERE node_id = \(node) ORDER BY sequence DESC LIMIT \(limit)
            ) newest ORDER BY sequence
            """,
            logger: self.logger
        )
        return try await self.decodeItems(rows)
    }

    package func items(node: String, ids: [String]) async throws -> [Item] {
        let rows = try await self.client.query(
            """
            SELECT item_id, payload, publisher, published_at FROM items
            WHERE node_id = \(node) AND item_id = ANY(\(ids)) ORDER BY sequence
            """,
            logger: self.logger
        )
        return try await self.decodeItems(rows)
    }

    private func decodeItems(_ rows: PostgresRowSequence) async throws -> [Item] {
        var items: [Item] = []
        for try await (id, payload, publisher, publishedAt) in rows.decode((String, String?, String, Date).self) {
            items.append(
                Item(
                    id: id,
                    payload: try payload.map { try XMLStreamParser.parseDocument($0, limits: self.payloadLimits) },
                    publisher: try JID(publisher),
                    publishedAt: publishedAt
                )
            )
        }
        return items
    }
}
