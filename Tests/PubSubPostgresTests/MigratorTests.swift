import Foundation
import PostgresNIO
import PubSub
import Testing
import XMPPCore

@testable import PubSubPostgres

@Suite struct SQLStatementSplitterTests {
    @Test func splitsAtTopLevelSemicolonsOnly() {
        let sql = """
            -- leading comment; with a semicolon
            CREATE TABLE a (x text DEFAULT 'a;b', "we;ird" int);
            /* block; comment */ INSERT INTO a VALUES ('it''s; fine', 1);
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            SELECT $$;$$;
            -- trailing comment
            """
        let statements = SQLStatementSplitter.split(sql)
        #expect(statements.count == 4)
        #expect(statements[0].hasSuffix("\"we;ird\" int)"))
        #expect(statements[1].contains("'it''s; fine'"))
        #expect(statements[2].hasSuffix("LANGUAGE sql"))
        #expect(statements[3] == "SELECT $$;$$")
    }

    @Test func loadsTheRepositorySchemas() throws {
        let migrations = try Migration.load(from: TestDatabase.schemasDirectory)
        #expect(migrations.first?.version == 1)
        #expect(migrations.first?.name == "init")
        #expect(SQLStatementSplitter.split(migrations[0].sql).count == 5)
    }
}

@Suite(.enabled(if: TestDatabase.isConfigured, "needs HERALD_TEST_POSTGRES_URL"))
struct MigratorTests {
    @Test func concurrentInstancesApplyEachMigrationOnce() async throws {
        let database = "herald_migrate_\(UInt32.random(in: 0...UInt32.max))"
        try await TestDatabase.withClient { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database)"), logger: TestDatabase.logger)
        }
        let migrations = try Migration.load(from: TestDatabase.schemasDirectory)
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<2 {
                group.addTask {
                    try await TestDatabase.withClient(database: database) { client in
                        try await Migrator(client: client, logger: TestDatabase.logger).migrate(migrations)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(applied.sorted { $0.count < $1.count } == [[], migrations.map(\.version)])
        try await TestDatabase.withClient(database: database) { client in
            #expect(try await Migrator(client: client, logger: TestDatabase.logger).migrate(migrations) == [])
            let tables = try await client.query(
                "SELECT count(*)::int FROM information_schema.tables WHERE table_name IN ('nodes', 'items', 'subscriptions', 'affiliations')"
            ).collect()
            #expect(try tables.first?.decode(Int.self) == 4)
        }
        try await TestDatabase.withClient { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(database)"), logger: TestDatabase.logger)
        }
    }

    @Test func secondMigrationKeepsWhatTheFirstSchemaHeld() async throws {
        let database = "herald_migrate_\(UInt32.random(in: 0...UInt32.max))"
        try await TestDatabase.withClient { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(database)"), logger: TestDatabase.logger)
        }
        let migrations = try Migration.load(from: TestDatabase.schemasDirectory)
        try await TestDatabase.withClient(database: database) { client in
            let migrator = Migrator(client: client, logger: TestDatabase.logger)
            #expect(try await migrator.migrate(migrations.filter { $0.version == 1 }) == [1])
            // Rows as the 0001 store wrote them.
            for statement: PostgresQuery in [
                "INSERT INTO nodes (node_id, title, max_items, access_model) VALUES ('old', 'Old news', 2, 'open')",
                "INSERT INTO nodes (node_id, max_items, access_model) VALUES ('untitled', 100, 'open')",
                "INSERT INTO affiliations VALUES ('old', 'alice@localhost', 'owner'), ('untitled', 'bob@localhost', 'owner')",
                "INSERT INTO affiliations VALUES ('old', 'bob@localhost', 'publisher')",
                "INSERT INTO subscriptions (node_id, jid, subscription_id, state) VALUES ('old', 'bob@localhost/phone', 's1', 'subscribed')",
            ] {
                try await client.query(statement, logger: TestDatabase.logger)
            }
            #expect(try await migrator.migrate(migrations) == migrations.map(\.version).filter { $0 > 1 })

            let store = PostgresPubSubStore(client: client, logger: TestDatabase.logger)
            let (alice, bob, phone) = (
                try JID("alice@localhost"), try JID("bob@localhost"), try JID("bob@localhost/phone")
            )
            let old = try #require(try await store.node("old"))
            #expect(old.configuration == NodeConfiguration(title: "Old news", maxItems: 2))
            #expect(old.creator == alice)
            #expect(try await store.node("untitled")?.configuration == NodeConfiguration())
            #expect(try await store.node("untitled")?.creator == bob)
            #expect(try await store.affiliations(jid: bob) == ["old": .publisher, "untitled": .owner])
            #expect(try await store.subscriptions(jid: bob) == [Subscription(node: "old", jid: phone, id: "s1")])
            // The backfilled options are what the store writes for default options, so asking for
            // them explicitly reuses the migrated subscription instead of adding a second one.
            let again = Subscription(node: "old", jid: phone, id: "s2", options: SubscriptionOptions())
            #expect(try await store.subscribe(again, reuse: .sameOptions, limit: 9).id == "s1")
            // Publishing trims by the migrated max_items.
            for id in ["a", "b", "c"] {
                try await store.publish(Item(id: id, payload: nil, publisher: alice, publishedAt: Date()), node: "old")
            }
            #expect(try await store.itemIDs(node: "old") == ["c", "b"])
        }
        try await TestDatabase.withClient { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE \(database)"), logger: TestDatabase.logger)
        }
    }
}
