import FoundationEssentials
import PostgresNIO
package import PubSub
package import XMPPCore

extension PostgresPubSubStore {
    package func subscribe(
        _ subscription: Subscription,
        reuse: SubscriptionReuse,
        limit: Int
    ) async throws -> Subscription {
        let options = try JSONColumn.encode(subscription.options)
        let jid = subscription.jid.description
        let bare = subscription.jid.bare.description
        let sameOptionsOnly = reuse == .sameOptions
        do {
            return try await self.withTransaction { connection in
                // Serializes the subscribes of one bare JID: the reuse check and the limit count
                // then see every subscription committed before, and none is made twice.
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(hashtextextended('herald-subscribe:' || \(bare), 0))",
                    logger: self.logger
                )
                // One statement after the lock (so its snapshot follows it): whether the node exists,
                // the subscription to reuse if any, and how many the bare JID holds. A missing node is
                // reported before the limit, and a reused subscription is returned even at the limit.
                let checked = try await connection.query(
                    """
                    SELECT EXISTS (SELECT 1 FROM nodes WHERE node_id = \(subscription.node)),
                           (SELECT count(*) FROM subscriptions WHERE bare_jid = \(bare)),
                           \(unescaped: Self.subscriptionColumns)
                    FROM (SELECT) AS one LEFT JOIN LATERAL (
                        SELECT * FROM subscriptions
                        WHERE node_id = \(subscription.node) AND jid = \(jid)
                          AND (NOT \(sameOptionsOnly) OR options = \(options)::jsonb)
                        ORDER BY created_at, subscription_id LIMIT 1
                    ) existing ON true
                    """,
                    logger: self.logger
                )
                for try await (nodeExists, held, node, foundJID, id, state, foundOptions) in checked.decode(
                    (Bool, Int, String?, String?, String?, String?, String?).self
                ) {
                    guard nodeExists else { throw PubSubStoreError.nodeNotFound }
                    if let node, let foundJID, let id, let state, let foundOptions {
                        var decoded: [String: SubscriptionOptions] = [:]
                        return try Self.subscription((node, foundJID, id, state, foundOptions), decoded: &decoded)
                    }
                    guard held < limit else { throw PubSubStoreError.tooManySubscriptions }
                }
                try await connection.query(
                    """
                    INSERT INTO subscriptions (node_id, jid, bare_jid, subscription_id, state, options)
                    VALUES (\(subscription.node), \(jid), \(bare), \(subscription.id), \(subscription.state.rawValue), \(options)::jsonb)
                    """,
                    logger: self.logger
                )
                return subscription
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == Self.foreignKeyViolation {
            throw PubSubStoreError.nodeNotFound
        }
    }

    package func updateSubscription(_ subscription: Subscription) async throws -> Bool {
        let options = try JSONColumn.encode(subscription.options)
        let rows = try await self.client.query(
            """
            UPDATE subscriptions SET state = \(subscription.state.rawValue), options = \(options)::jsonb
            WHERE node_id = \(subscription.node) AND subscription_id = \(subscription.id)
            RETURNING 1
            """,
            logger: self.logger
        )
        return try await !rows.collect().isEmpty
    }

    package func unsubscribe(node: String, jid: JID, subscriptionID: String?) async throws -> Int {
        let rows = try await self.client.query(
            """
            DELETE FROM subscriptions
            WHERE node_id = \(node) AND jid = \(jid.description)
              AND (\(subscriptionID)::text IS NULL OR subscription_id = \(subscriptionID))
            RETURNING 1
            """,
            logger: self.logger
        )
        return try await rows.collect().count
    }

    package func subscriptions(node: String) async throws -> [Subscription] {
        let rows = try await self.client.query(
            """
            SELECT \(unescaped: Self.subscriptionColumns) FROM subscriptions WHERE node_id = \(node)
            ORDER BY created_at, subscription_id
            """,
            logger: self.logger
        )
        return try await Self.subscriptions(rows)
    }

    package func subscriptions(jid: JID) async throws -> [Subscription] {
        let rows = try await self.client.query(
            """
            SELECT \(unescaped: Self.subscriptionColumns) FROM subscriptions WHERE bare_jid = \(jid.bare.description)
            ORDER BY node_id, created_at, subscription_id
            """,
            logger: self.logger
        )
        return try await Self.subscriptions(rows)
    }

    private typealias SubscriptionRow = (String, String, String, String, String)

    static let subscriptionColumns = "node_id, jid, subscription_id, state, options::text"

    /// Decodes rows. A node's subscriptions are read whole into the cache, where a million may be
    /// held: equal option texts are decoded once and share their value, and equal NodeIDs share one
    /// string, so each subscription costs little more than its JID and SubID.
    static func subscriptions(_ rows: PostgresRowSequence) async throws -> [Subscription] {
        var subscriptions: [Subscription] = []
        var options: [String: SubscriptionOptions] = [:]
        var nodes: Set<String> = []
        for try await row in rows.decode(SubscriptionRow.self) {
            var subscription = try Self.subscription(row, decoded: &options)
            subscription.node = nodes.insert(subscription.node).memberAfterInsert
            subscriptions.append(subscription)
        }
        return subscriptions
    }

    /// One row; `decoded` holds the options already decoded, by their text.
    private static func subscription(
        _ row: SubscriptionRow,
        decoded: inout [String: SubscriptionOptions]
    ) throws -> Subscription {
        guard let state = SubscriptionState(rawValue: row.3) else {
            throw StoredValueError(column: "state", value: row.3)
        }
        if decoded[row.4] == nil {
            decoded[row.4] = try JSONColumn.decode(SubscriptionOptions.self, row.4, column: "subscriptions.options")
        }
        return Subscription(node: row.0, jid: try JID(row.1), id: row.2, state: state, options: decoded[row.4]!)
    }
}
