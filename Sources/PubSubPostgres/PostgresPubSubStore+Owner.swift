package import FoundationEssentials
import PostgresNIO
package import PubSub
package import XMPPCore

/// The owner use cases (XEP-0060 §8): configuration, deletion, purge, affiliations, item expiry.
extension PostgresPubSubStore {
    package func configure(node: String, _ configuration: NodeConfiguration) async throws {
        let config = try JSONColumn.encode(configuration)
        // The UPDATE takes the node row's lock, as a publish does, so trimming sees every item
        // committed before and no publish slips in between the two statements.
        try await self.withTransaction { connection in
            let updated = try await connection.query(
                "UPDATE nodes SET config = \(config)::jsonb WHERE node_id = \(node) RETURNING 1",
                logger: self.logger
            )
            guard try await !updated.collect().isEmpty else { throw PubSubStoreError.nodeNotFound }
            try await self.trim(node: node, keeping: configuration.maxItems, on: connection)
        }
    }

    /// Deletes all but the newest `count` items, by the (node_id, sequence) index.
    func trim(node: String, keeping count: Int, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            DELETE FROM items
            WHERE node_id = \(node) AND sequence <= (
                SELECT sequence FROM items WHERE node_id = \(node)
                ORDER BY sequence DESC OFFSET \(count) LIMIT 1
            )
            """,
            logger: self.logger
        )
    }

    package func deleteNode(_ id: String) async throws -> Bool {
        // Items, subscriptions and affiliations go with it (ON DELETE CASCADE), in the same statement.
        let rows = try await self.client.query(
            "DELETE FROM nodes WHERE node_id = \(id) RETURNING 1",
            logger: self.logger
        )
        return try await !rows.collect().isEmpty
    }

    package func purge(node: String) async throws {
        let rows = try await self.client.query(
            """
            WITH purged AS (DELETE FROM items WHERE node_id = \(node))
            SELECT 1 FROM nodes WHERE node_id = \(node)
            """,
            logger: self.logger
        )
        guard try await !rows.collect().isEmpty else { throw PubSubStoreError.nodeNotFound }
    }

    @discardableResult
    package func setAffiliations(node: String, _ changes: [JID: Affiliation]) async throws -> AffiliationEffects {
        let removed = changes.filter { $0.value == .none }.map(\.key.bare.description)
        let set = changes.filter { $0.value != .none }
        let outcasts = set.filter { !$0.value.maySubscribe }.map(\.key.bare.description)
        let approving = set.filter { [.owner, .publisher, .member].contains($0.value) }.map(\.key.bare.description)
        return try await self.withTransaction { connection in
            // The node row's lock serializes affiliation changes, so two owners removing each other
            // at once cannot both succeed and leave the node without an owner.
            let locked = try await connection.query(
                "SELECT 1 FROM nodes WHERE node_id = \(node) FOR UPDATE",
                logger: self.logger
            )
            guard try await !locked.collect().isEmpty else { throw PubSubStoreError.nodeNotFound }
            try await connection.query(
                "DELETE FROM affiliations WHERE node_id = \(node) AND jid = ANY(\(removed))",
                logger: self.logger
            )
            for (jid, affiliation) in set {
                try await connection.query(
                    """
                    INSERT INTO affiliations (node_id, jid, affiliation)
                    VALUES (\(node), \(jid.bare.description), \(affiliation.rawValue))
                    ON CONFLICT (node_id, jid) DO UPDATE SET affiliation = EXCLUDED.affiliation
                    """,
                    logger: self.logger
                )
            }
            let owners = try await connection.query(
                "SELECT 1 FROM affiliations WHERE node_id = \(node) AND affiliation = 'owner' LIMIT 1",
                logger: self.logger
            )
            guard try await !owners.collect().isEmpty else { throw PubSubStoreError.noOwnerLeft }
            let deleted = try await connection.query(
                """
                DELETE FROM subscriptions WHERE node_id = \(node) AND bare_jid = ANY(\(outcasts))
                RETURNING \(unescaped: Self.subscriptionColumns)
                """,
                logger: self.logger
            )
            let removedSubscriptions = try await Self.subscriptions(deleted)
            let updated = try await connection.query(
                """
                UPDATE subscriptions SET state = 'subscribed'
                WHERE node_id = \(node) AND state = 'pending' AND bare_jid = ANY(\(approving))
                RETURNING \(unescaped: Self.subscriptionColumns)
                """,
                logger: self.logger
            )
            return AffiliationEffects(removed: removedSubscriptions, approved: try await Self.subscriptions(updated))
        }
    }

    package func statistics() async throws -> StoreStatistics {
        let rows = try await self.client.query(
            "SELECT (SELECT count(*) FROM nodes), (SELECT count(*) FROM subscriptions)",
            logger: self.logger
        )
        for try await (nodes, subscriptions) in rows.decode((Int, Int).self) {
            return StoreStatistics(nodes: nodes, subscriptions: subscriptions)
        }
        return StoreStatistics(nodes: 0, subscriptions: 0)
    }

    package func expireItems(node: String, publishedBefore date: Date) async throws -> Int {
        let rows = try await self.client.query(
            "DELETE FROM items WHERE node_id = \(node) AND published_at < \(date) RETURNING 1",
            logger: self.logger
        )
        return try await rows.collect().count
    }
}
