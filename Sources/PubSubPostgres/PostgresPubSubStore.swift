import FoundationEssentials
package import Logging
package import PostgresNIO
package import PubSub
package import XMPPCore

/// `PubSubStore` on PostgreSQL through postgres-nio's pooled `PostgresClient`.
///
/// Each method is one statement (or one transaction), so it is atomic and durable when it returns.
package struct PostgresPubSubStore: PubSubStore {
    let client: PostgresClient
    let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    package func createNode(_ node: Node, owner: JID) async throws {
        let configuration = node.configuration
        // One statement: the owner's affiliation is written only if the node row was. The foreign
        // key is checked at the end of the statement, when the new node row is visible.
        let rows = try await self.client.query(
            """
            WITH created AS (
                INSERT INTO nodes (node_id, title, max_items, access_model)
                VALUES (\(node.id), \(configuration.title), \(configuration.maxItems), \(configuration.accessModel.rawValue))
                ON CONFLICT (node_id) DO NOTHING
                RETURNING node_id
            )
            INSERT INTO affiliations (node_id, jid, affiliation)
            SELECT node_id, \(owner.bare.description), 'owner' FROM created
            RETURNING node_id
            """,
            logger: self.logger
        )
        guard try await !rows.collect().isEmpty else { throw PubSubStoreError.nodeExists }
    }

    package func node(_ id: String) async throws -> Node? {
        let rows = try await self.client.query(
            "SELECT node_id, title, max_items, access_model FROM nodes WHERE node_id = \(id)",
            logger: self.logger
        )
        for try await row in rows.decode((String, String?, Int, String).self) {
            return try Self.node(row)
        }
        return nil
    }

    package func nodes() async throws -> [Node] {
        let rows = try await self.client.query(
            "SELECT node_id, title, max_items, access_model FROM nodes ORDER BY node_id",
            logger: self.logger
        )
        var nodes: [Node] = []
        for try await row in rows.decode((String, String?, Int, String).self) {
            nodes.append(try Self.node(row))
        }
        return nodes
    }

    package func affiliation(node: String, jid: JID) async throws -> Affiliation {
        let rows = try await self.client.query(
            "SELECT affiliation FROM affiliations WHERE node_id = \(node) AND jid = \(jid.bare.description)",
            logger: self.logger
        )
        for try await value in rows.decode(String.self) {
            guard let affiliation = Affiliation(rawValue: value) else {
                throw StoredValueError(column: "affiliation", value: value)
            }
            return affiliation
        }
        return .none
    }

    /// Runs `body` in a transaction, rethrowing the body's own error rather than postgres-nio's wrapper.
    func withTransaction<T>(
        _ body: (PostgresConnection) async throws -> sending T
    ) async throws -> sending T {
        do {
            return try await self.client.withTransaction(logger: self.logger, body)
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }

    private static func node(_ row: (String, String?, Int, String)) throws -> Node {
        guard let accessModel = AccessModel(rawValue: row.3) else {
            throw StoredValueError(column: "access_model", value: row.3)
        }
        return Node(
            id: row.0,
            configuration: NodeConfiguration(title: row.1, maxItems: row.2, accessModel: accessModel)
        )
    }
}

/// A row holds a value this version of Herald does not know: the schema is newer than the code.
struct StoredValueError: Error, CustomStringConvertible {
    var column: String
    var value: String

    var description: String { "unknown value '\(self.value)' in column \(self.column)" }
}
