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

    package func createNode(_ node: Node) async throws {
        let config = try JSONColumn.encode(node.configuration)
        let creator = node.creator.bare.description
        // One statement: the owner's affiliation is written only if the node row was. The foreign
        // key is checked at the end of the statement, when the new node row is visible.
        let rows = try await self.client.query(
            """
            WITH created AS (
                INSERT INTO nodes (node_id, config, creator, created_at)
                VALUES (\(node.id), \(config)::jsonb, \(creator), \(node.createdAt))
                ON CONFLICT (node_id) DO NOTHING
                RETURNING node_id
            )
            INSERT INTO affiliations (node_id, jid, affiliation)
            SELECT node_id, \(creator), 'owner' FROM created
            RETURNING node_id
            """,
            logger: self.logger
        )
        guard try await !rows.collect().isEmpty else { throw PubSubStoreError.nodeExists }
    }

    package func node(_ id: String) async throws -> Node? {
        let rows = try await self.client.query(
            "SELECT node_id, config::text, creator, created_at FROM nodes WHERE node_id = \(id)",
            logger: self.logger
        )
        for try await row in rows.decode((String, String, String, Date).self) {
            return try Self.node(row)
        }
        return nil
    }

    package func nodes() async throws -> [Node] {
        let rows = try await self.client.query(
            "SELECT node_id, config::text, creator, created_at FROM nodes ORDER BY node_id",
            logger: self.logger
        )
        var nodes: [Node] = []
        for try await row in rows.decode((String, String, String, Date).self) {
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
            return try Self.affiliation(value)
        }
        return .none
    }

    package func affiliations(node: String) async throws -> [JID: Affiliation] {
        let rows = try await self.client.query(
            "SELECT jid, affiliation FROM affiliations WHERE node_id = \(node)",
            logger: self.logger
        )
        var affiliations: [JID: Affiliation] = [:]
        for try await (jid, value) in rows.decode((String, String).self) {
            affiliations[try JID(jid)] = try Self.affiliation(value)
        }
        return affiliations
    }

    package func affiliations(jid: JID) async throws -> [String: Affiliation] {
        let rows = try await self.client.query(
            "SELECT node_id, affiliation FROM affiliations WHERE jid = \(jid.bare.description)",
            logger: self.logger
        )
        var affiliations: [String: Affiliation] = [:]
        for try await (node, value) in rows.decode((String, String).self) {
            affiliations[node] = try Self.affiliation(value)
        }
        return affiliations
    }

    /// SQLSTATE of a foreign key violation: the node a row refers to does not exist.
    static let foreignKeyViolation = "23503"

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

    private static func node(_ row: (String, String, String, Date)) throws -> Node {
        Node(
            id: row.0,
            configuration: try JSONColumn.decode(NodeConfiguration.self, row.1, column: "nodes.config"),
            creator: try JID(row.2),
            createdAt: row.3
        )
    }

    private static func affiliation(_ value: String) throws -> Affiliation {
        guard let affiliation = Affiliation(rawValue: value) else {
            throw StoredValueError(column: "affiliation", value: value)
        }
        return affiliation
    }
}

/// A row holds a value this version of Herald does not know: the schema is newer than the code.
struct StoredValueError: Error, CustomStringConvertible {
    var column: String
    var value: String

    var description: String { "unknown value '\(self.value)' in column \(self.column)" }
}
