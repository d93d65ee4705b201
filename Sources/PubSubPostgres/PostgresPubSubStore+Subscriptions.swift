import PostgresNIO
package import PubSub
package import XMPPCore

extension PostgresPubSubStore {
    package func subscribe(_ subscription: Subscription) async throws -> Subscription {
        // The no-op DO UPDATE makes RETURNING yield the existing row on a conflict, even one with a
        // subscription committed concurrently, which DO NOTHING plus a SELECT would not see.
        do {
            let rows = try await self.client.query(
                """
                INSERT INTO subscriptions (node_id, jid, subscription_id, state)
                VALUES (\(subscription.node), \(subscription.jid.description), \(subscription.id), \(subscription.state.rawValue))
                ON CONFLICT (node_id, jid) DO UPDATE SET jid = EXCLUDED.jid
                RETURNING subscription_id, state
                """,
                logger: self.logger
            )
            for try await (id, state) in rows.decode((String, String).self) {
                guard let state = SubscriptionState(rawValue: state) else {
                    throw StoredValueError(column: "state", value: state)
                }
                return Subscription(node: subscription.node, jid: subscription.jid, id: id, state: state)
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23503" {
            // Foreign key violation, reported while reading the result: the node does not exist.
            throw PubSubStoreError.nodeNotFound
        }
        throw PubSubStoreError.nodeNotFound
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
            "SELECT jid, subscription_id, state FROM subscriptions WHERE node_id = \(node) ORDER BY created_at, jid",
            logger: self.logger
        )
        var subscriptions: [Subscription] = []
        for try await (jid, id, state) in rows.decode((String, String, String).self) {
            guard let state = SubscriptionState(rawValue: state) else {
                throw StoredValueError(column: "state", value: state)
            }
            subscriptions.append(Subscription(node: node, jid: try JID(jid), id: id, state: state))
        }
        return subscriptions
    }
}
