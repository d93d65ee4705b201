import FoundationEssentials
package import Logging
import PostgresNIO
import PubSub
import PubSubPostgres
import XMPPComponent
package import XMPPCore

/// What the operator's subcommands do (`herald migrate`, `herald nodes …`, `herald publish`),
/// against the configured PostgreSQL, without the XMPP connection. Each returns the lines to print.
package enum AdminTasks {
    /// `herald migrate`: applies the missing migrations and exits.
    package static func migrate(_ configuration: HeraldConfiguration, logger: Logger) async throws -> [String] {
        let migrations = try Migration.load(from: configuration.schemasDirectory)
        return try await Self.withDatabase(configuration, logger: logger) { client, _ in
            let applied = try await Migrator(client: client, logger: logger).migrate(migrations)
            let latest = migrations.map(\.version).max() ?? 0
            return applied.isEmpty
                ? ["schema up to date (version \(latest))"]
                : applied.map { "applied migration \($0)" } + ["schema at version \(latest)"]
        }
    }

    /// `herald nodes list`: one line per node: NodeID, access model, subscriptions, items, title.
    package static func listNodes(_ configuration: HeraldConfiguration, logger: Logger) async throws -> [String] {
        try await Self.withDatabase(configuration, logger: logger) { _, store in
            var lines = ["NODE\tACCESS\tSUBSCRIPTIONS\tITEMS\tTITLE"]
            for node in try await store.nodes() {
                let subscriptions = try await store.subscriptions(node: node.id).count
                let items = try await store.itemIDs(node: node.id).count
                lines.append(
                    "\(node.id)\t\(node.configuration.accessModel.rawValue)\t\(subscriptions)\t\(items)\t"
                        + (node.configuration.title ?? "")
                )
            }
            return lines
        }
    }

    /// `herald nodes show NODE`: the node's facts, configuration, affiliations and subscriptions.
    package static func showNode(
        _ id: String,
        _ configuration: HeraldConfiguration,
        logger: Logger
    ) async throws -> [String] {
        try await Self.withDatabase(configuration, logger: logger) { _, store in
            guard let node = try await store.node(id) else { throw AdminError("no node '\(id)'") }
            var lines = [
                "node: \(node.id)", "creator: \(node.creator)", "created: \(node.createdAt.formatted(.iso8601))",
                "items: \(try await store.itemIDs(node: id).count)",
            ]
            let config = node.configuration
            lines += [
                "title: \(config.title ?? "")", "access model: \(config.accessModel.rawValue)",
                "publish model: \(config.publishModel.rawValue)", "max items: \(config.maxItems)",
                "persist items: \(config.persistItems)", "deliver payloads: \(config.deliverPayloads)",
            ]
            for (jid, affiliation) in try await store.affiliations(node: id).sorted(by: {
                $0.key.description < $1.key.description
            }) {
                lines.append("affiliation: \(jid) \(affiliation.rawValue)")
            }
            for subscription in try await store.subscriptions(node: id) {
                lines.append("subscription: \(subscription.jid) \(subscription.state.rawValue) \(subscription.id)")
            }
            return lines
        }
    }

    /// `herald nodes delete NODE`: deletes it with its items, subscriptions and affiliations.
    /// Subscribers are not notified: this command has no XMPP connection.
    package static func deleteNode(
        _ id: String,
        _ configuration: HeraldConfiguration,
        logger: Logger
    ) async throws -> [String] {
        try await Self.withDatabase(configuration, logger: logger) { _, store in
            guard try await store.deleteNode(id) else { throw AdminError("no node '\(id)'") }
            return ["deleted node \(id) (subscribers were not notified)"]
        }
    }

    /// `herald publish`: a publish made as `publisher`, with every XEP-0060 rule of a publish over
    /// XMPP (permissions, payload checks, auto-create). The item is committed; the notifications
    /// it would cause are not sent, since this command has no XMPP connection.
    package static func publish(
        node: String,
        itemID: String?,
        payload: String,
        publisher: JID,
        _ configuration: HeraldConfiguration,
        logger: Logger
    ) async throws -> [String] {
        try await Self.withDatabase(configuration, logger: logger) { _, store in
            let domain = try JID(configuration.component.domain)
            let service = PubSubService(
                domain: domain,
                store: store,
                limits: configuration.pubsubLimits,
                policy: configuration.servicePolicy,
                logger: logger
            )
            let element: XMLElement
            do {
                element = try XMLStreamParser.parseDocument(payload)
            } catch {
                throw AdminError("the payload is not one well-formed XML element: \(error)")
            }
            let item = XMLElement("item", namespace: Namespace.pubsub, attributes: ["id": itemID], children: [element])
            let publish = XMLElement(
                "publish",
                namespace: Namespace.pubsub,
                attributes: ["node": node],
                children: [item]
            )
            // The node and ItemID come from the command line, not through the parser.
            guard XMLCharacters.areValid(in: publish) else {
                throw AdminError("the node or ItemID holds a character XML cannot carry")
            }
            let request = IQ(
                kind: .set,
                id: "herald-cli",
                from: publisher,
                to: domain,
                payload: XMLElement("pubsub", namespace: Namespace.pubsub, children: [.element(publish)])
            )
            let outcome = await service.handle(request.element)
            guard let reply = outcome.reply, reply[attribute: "type"] == "result" else {
                let error = outcome.reply?.child("error", namespace: Namespace.component)
                let conditions = error?.elements.map(\.name).joined(separator: " ") ?? "no reply"
                throw AdminError("publish refused: \(conditions)")
            }
            let published = reply.child("pubsub", namespace: Namespace.pubsub)?
                .child("publish", namespace: Namespace.pubsub)?.child("item", namespace: Namespace.pubsub)
            return [
                "published item \(published?[attribute: "id"] ?? "") to node \(node)",
                "\(outcome.notifications.count) notification(s) not sent: this command has no XMPP connection",
            ]
        }
    }

    /// `herald tokens create`: a new API token acting as `jid`; its secret is printed once.
    package static func createToken(
        jid: JID,
        label: String,
        _ configuration: HeraldConfiguration,
        logger: Logger
    ) async throws -> [String] {
        try await Self.withAPIStore(configuration, logger: logger) { store in
            let token = try await store.createToken(jid: jid.bare, label: label)
            return [
                "token \(token.id) acts as \(jid.bare); its secret is shown only now:",
                token.secret,
            ]
        }
    }

    /// `herald tokens revoke ID`: the token stops working at once.
    package static func revokeToken(
        _ id: String,
        _ configuration: HeraldConfiguration,
        logger: Logger
    ) async throws -> [String] {
        try await Self.withAPIStore(configuration, logger: logger) { store in
            guard try await store.revokeToken(id: id) else { throw AdminError("no unrevoked token '\(id)'") }
            return ["revoked token \(id)"]
        }
    }

    /// `herald tokens list`: one line per token: ID, JID, created, revoked, label. No secrets.
    package static func listTokens(_ configuration: HeraldConfiguration, logger: Logger) async throws -> [String] {
        try await Self.withAPIStore(configuration, logger: logger) { store in
            ["TOKEN\tJID\tCREATED\tREVOKED\tLABEL"]
                + (try await store.tokens()).map { token in
                    "\(token.id)\t\(token.jid)\t\(token.createdAt.formatted(.iso8601))\t"
                        + "\(token.revokedAt?.formatted(.iso8601) ?? "-")\t\(token.label)"
                }
        }
    }

    private static func withAPIStore<T: Sendable>(
        _ configuration: HeraldConfiguration,
        logger: Logger,
        _ body: @escaping @Sendable (PostgresAPIStore) async throws -> T
    ) async throws -> T {
        try await Self.withDatabase(configuration, logger: logger) { client, _ in
            try await body(PostgresAPIStore(client: client, logger: logger))
        }
    }

    /// Runs `body` with a connected pool, closed afterwards.
    private static func withDatabase<T: Sendable>(
        _ configuration: HeraldConfiguration,
        logger: Logger,
        _ body: @escaping @Sendable (PostgresClient, PostgresPubSubStore) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration.postgres, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            // A database that cannot be reached is reported instead of waited for; the work itself
            // (a long migration) is not bounded.
            do {
                try await Deadline.run(within: .seconds(10)) { _ = try await client.query("SELECT 1").collect() }
            } catch {
                throw AdminError("PostgreSQL not reachable: \(String(reflecting: error))")
            }
            return try await body(client, PostgresPubSubStore(client: client, logger: logger))
        }
    }
}

/// A failed admin command, with the line to print.
package struct AdminError: Error, CustomStringConvertible {
    package var description: String

    init(_ description: String) {
        self.description = description
    }
}
