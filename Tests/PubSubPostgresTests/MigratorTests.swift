import Foundation
import PostgresNIO
import Testing

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
}
