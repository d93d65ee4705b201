import PostgresNIO
import PubSub
import Synchronization
import XMPPComponent

/// Whether Herald can serve (`/ready`): its migrations ran, the component stream is authenticated,
/// and PostgreSQL answers now.
final class Readiness: Sendable {
    private let migrated = Atomic<Bool>(false)
    let connection: ComponentConnection
    let postgres: PostgresClient

    init(connection: ComponentConnection, postgres: PostgresClient) {
        self.connection = connection
        self.postgres = postgres
    }

    func migrationsApplied() {
        self.migrated.store(true, ordering: .releasing)
    }

    var isMigrated: Bool {
        self.migrated.load(ordering: .acquiring)
    }

    /// What keeps Herald from serving; empty when ready.
    func problems() async -> [String] {
        var problems: [String] = []
        if !self.isMigrated { problems.append("database migrations not applied yet") }
        if !self.connection.isEstablished { problems.append("XMPP component stream not established") }
        do {
            try await Deadline.run(within: .seconds(1)) { [postgres] in
                try await postgres.query("SELECT 1").collect()
                return ()
            }
        } catch {
            problems.append("PostgreSQL not reachable")
        }
        return problems
    }
}
