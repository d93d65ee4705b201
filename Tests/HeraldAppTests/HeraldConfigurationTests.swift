import Configuration
import Foundation
import HeraldApp
import PostgresNIO
import PubSub
import PubSubHTTP
import Testing
import XMPPComponent
import XMPPCore

@Suite struct HeraldConfigurationTests {
    static let required = ["HERALD_COMPONENT_DOMAIN": "pubsub.example.com", "HERALD_COMPONENT_SECRET": "s3cret"]

    static func load(_ environment: [String: String], file: String? = nil) async throws -> HeraldConfiguration {
        try await HeraldConfiguration.load(environment: environment, configFile: file)
    }

    static func problems(_ environment: [String: String]) async throws -> [String: String] {
        do {
            _ = try await Self.load(environment)
            Issue.record("expected a configuration error")
            return [:]
        } catch let error as ConfigurationError {
            return Dictionary(
                error.problems.map { ($0.setting.environmentVariable, $0.message) },
                uniquingKeysWith: { a, _ in a }
            )
        }
    }

    @Test func defaultsApplyWhenOnlyRequiredSettingsAreGiven() async throws {
        let configuration = try await Self.load(Self.required)
        #expect(configuration.component.domain == "pubsub.example.com")
        #expect(configuration.component.secret == "s3cret")
        #expect(configuration.component.host == "127.0.0.1")
        #expect(configuration.component.port == 5347)
        #expect(configuration.component.keepaliveInterval == .seconds(60))
        #expect(configuration.component.parserLimits == ParserLimits())
        #expect(configuration.pubsubLimits.maxPayloadBytes == 262_144)
        #expect(configuration.multicastService == nil)
        #expect(configuration.multicastMaxAddresses == 99)
        #expect(configuration.postgres.host == "127.0.0.1")
        #expect(configuration.postgres.port == 5432)
        #expect(configuration.postgres.username == "herald")
        #expect(configuration.postgres.password == nil)
        #expect(configuration.schemasDirectory == "Schemas")
        #expect(configuration.logLevel == .info)
    }

    @Test func everyEnvironmentVariableIsRead() async throws {
        var environment = Self.required
        environment["HERALD_COMPONENT_HOST"] = "xmpp.internal"
        environment["HERALD_COMPONENT_PORT"] = "15347"
        environment["HERALD_COMPONENT_KEEPALIVE_SECONDS"] = "15"
        environment["HERALD_POSTGRES_HOST"] = "db.internal"
        environment["HERALD_POSTGRES_PORT"] = "6543"
        environment["HERALD_POSTGRES_USER"] = "u"
        environment["HERALD_POSTGRES_PASSWORD"] = "p"
        environment["HERALD_POSTGRES_DATABASE"] = "d"
        environment["HERALD_SCHEMAS_DIRECTORY"] = "/srv/schemas"
        environment["HERALD_LIMITS_STANZA_BYTES"] = "200000"
        environment["HERALD_LIMITS_PAYLOAD_BYTES"] = "100000"
        environment["HERALD_LIMITS_DEPTH"] = "32"
        environment["HERALD_LIMITS_ATTRIBUTES"] = "16"
        environment["HERALD_LIMITS_SUBSCRIPTIONS_PER_JID"] = "7"
        environment["HERALD_LIMITS_NODES_PER_OWNER"] = "9"
        environment["HERALD_SERVICE_ADMINS"] = "root@example.com/console, ops@example.com"
        environment["HERALD_NODES_CREATION"] = "local"
        environment["HERALD_NODES_CREATION_DOMAINS"] = ""
        environment["HERALD_NODES_CREATORS"] = "bot@example.com"
        environment["HERALD_NODES_INSTANT"] = "false"
        environment["HERALD_NOTIFY_AFFILIATIONS"] = "0"
        environment["HERALD_BOUNCE_END_ON_PERMANENT_ERROR"] = "false"
        environment["HERALD_BOUNCE_TRANSIENT_LIMIT"] = "0"
        environment["HERALD_MULTICAST_JID"] = "multicast.example.com"
        environment["HERALD_MULTICAST_MAX_ADDRESSES"] = "50"
        environment["HERALD_HTTP_HOST"] = "0.0.0.0"
        environment["HERALD_HTTP_PORT"] = "9090"
        environment["HERALD_HTTP_TOKENS"] =
            "backend@example.com/res=" + APIToken.hex(APIToken.hash("secret-one")) + ", a=b@example.com="
            + APIToken.hex(APIToken.hash("secret-two"))
        environment["HERALD_HTTP_MAX_BODY_BYTES"] = "4096"
        environment["HERALD_HTTP_RATE_LIMIT"] = "7"
        environment["HERALD_HTTP_RATE_BURST"] = "9"
        environment["HERALD_HTTP_TLS_CERTIFICATE_FILE"] = "/c.pem"
        environment["HERALD_HTTP_TLS_KEY_FILE"] = "/k.pem"
        environment["HERALD_SHUTDOWN_GRACE_SECONDS"] = "3"
        environment["HERALD_LOG_FORMAT"] = "json"
        environment["HERALD_LOG_LEVEL"] = "DEBUG"
        // Every documented setting is exercised here, so a renamed key cannot go unnoticed.
        #expect(Set(environment.keys) == Set(HeraldSettings.all.map(\.environmentVariable)))
        let configuration = try await Self.load(environment)
        #expect(configuration.component.host == "xmpp.internal")
        #expect(configuration.component.port == 15347)
        #expect(configuration.component.keepaliveInterval == .seconds(15))
        #expect(configuration.postgres.host == "db.internal")
        #expect(configuration.postgres.port == 6543)
        #expect(configuration.postgres.username == "u")
        #expect(configuration.postgres.password == "p")
        #expect(configuration.postgres.database == "d")
        #expect(configuration.schemasDirectory == "/srv/schemas")
        #expect(configuration.component.parserLimits.maxStanzaBytes == 200_000)
        #expect(configuration.pubsubLimits.maxPayloadBytes == 100_000)
        #expect(configuration.component.parserLimits.maxDepth == 32)
        #expect(configuration.component.parserLimits.maxAttributes == 16)
        #expect(configuration.pubsubLimits.maxSubscriptionsPerJID == 7)
        #expect(configuration.pubsubLimits.maxNodesPerOwner == 9)
        #expect(
            configuration.servicePolicy
                == ServicePolicy(
                    administrators: [try JID("root@example.com"), try JID("ops@example.com")],
                    // Empty creation domains: the component's parent domain.
                    nodeCreation: .localUsers(domains: ["example.com"]),
                    instantNodes: false,
                    notifyAffiliationChanges: false
                )
        )
        #expect(configuration.bouncePolicy == BouncePolicy(endOnPermanentError: false, transientLimit: 0))
        #expect(configuration.multicastService == (try JID("multicast.example.com")))
        #expect(configuration.multicastMaxAddresses == 50)
        #expect(configuration.http.host == "0.0.0.0")
        #expect(configuration.http.port == 9090)
        // Tokens act as bare JIDs and are named after their hash, never their secret.
        let caller = try #require(configuration.http.tokens[APIToken.hash("secret-one")])
        #expect(caller.jid == (try JID("backend@example.com")))
        #expect(caller.tokenID == "config-" + APIToken.hex(APIToken.hash("secret-one")).prefix(12))
        // A localpart may hold '=': the hash follows the last one.
        #expect(configuration.http.tokens[APIToken.hash("secret-two")]?.jid == (try JID("a=b@example.com")))
        #expect(configuration.http.limits.maxBodyBytes == 4096)
        #expect(configuration.http.limits.requestsPerSecond == 7)
        #expect(configuration.http.limits.burst == 9)
        #expect(configuration.http.tls?.certificateFile == "/c.pem")
        #expect(configuration.http.tls?.keyFile == "/k.pem")
        #expect(configuration.shutdownGrace == .seconds(3))
        #expect(configuration.logFormat == .json)
        #expect(configuration.logLevel == .debug)
    }

    @Test func environmentWinsOverTheFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("herald-\(UUID().uuidString).json")
        try Data(
            #"{"component": {"domain": "file.example.com", "secret": "from-file", "port": 9999}, "log": {"level": "error"}}"#
                .utf8
        )
        .write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try await Self.load(["HERALD_COMPONENT_PORT": "1234"], file: file.path)
        #expect(configuration.component.domain == "file.example.com")
        #expect(configuration.component.secret == "from-file")
        #expect(configuration.component.port == 1234)
        #expect(configuration.logLevel == .error)
    }

    @Test func everyBadValueIsReportedAtOnce() async throws {
        let problems = try await Self.problems([
            "HERALD_COMPONENT_DOMAIN": "user@pubsub.example.com",
            "HERALD_COMPONENT_PORT": "abc",
            "HERALD_POSTGRES_PORT": "70000",
            "HERALD_LOG_LEVEL": "loud",
            "HERALD_LIMITS_STANZA_BYTES": "100",
            "HERALD_SERVICE_ADMINS": "root@example.com, @broken",
            "HERALD_NODES_CREATION": "everyone",
            "HERALD_MULTICAST_JID": "relay@multicast.example.com",
            "HERALD_MULTICAST_MAX_ADDRESSES": "0",
        ])
        #expect(problems["HERALD_COMPONENT_DOMAIN"]?.contains("not a domain") == true)
        #expect(problems["HERALD_COMPONENT_SECRET"] == "is required")
        #expect(problems["HERALD_COMPONENT_PORT"] == "'abc' is not an integer")
        #expect(problems["HERALD_POSTGRES_PORT"]?.contains("outside 1...65535") == true)
        #expect(problems["HERALD_LOG_LEVEL"]?.contains("not a log level") == true)
        #expect(problems["HERALD_LIMITS_STANZA_BYTES"]?.contains("outside") == true)
        #expect(problems["HERALD_SERVICE_ADMINS"] == "'@broken' is not a JID")
        #expect(problems["HERALD_NODES_CREATION"]?.contains("not anyone, local, listed or admins") == true)
        #expect(problems["HERALD_MULTICAST_JID"]?.contains("not a domain") == true)
        #expect(problems["HERALD_MULTICAST_MAX_ADDRESSES"]?.contains("outside 2...99") == true)
        #expect(problems.count == 10)
    }

    @Test func theExampleFileIsValid() async throws {
        let file = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "Deploy/herald.example.json")
        // The secret comes from the environment (or a *_FILE), never from the example file.
        let configuration = try await Self.load(["HERALD_COMPONENT_SECRET": "s"], file: file.path)
        #expect(configuration.component.domain == "pubsub.example.com")
        #expect(configuration.http.host == "0.0.0.0")
        #expect(configuration.http.port == 8080)
        #expect(configuration.http.tokens[APIToken.hash("test")]?.jid == (try JID("billing@example.com")))
        #expect(configuration.logFormat == .logfmt)
        #expect(configuration.servicePolicy.nodeCreation == .localUsers(domains: ["example.com"]))
    }

    @Test func secretsComeFromFiles() async throws {
        let directory = FileManager.default.temporaryDirectory
        let secretFile = directory.appendingPathComponent("herald-secret-\(UUID().uuidString)")
        let passwordFile = directory.appendingPathComponent("herald-password-\(UUID().uuidString)")
        try Data("from-file\n".utf8).write(to: secretFile)
        try Data("pg pass".utf8).write(to: passwordFile)
        defer {
            try? FileManager.default.removeItem(at: secretFile)
            try? FileManager.default.removeItem(at: passwordFile)
        }
        let configuration = try await Self.load([
            "HERALD_COMPONENT_DOMAIN": "pubsub.example.com", "HERALD_COMPONENT_SECRET_FILE": secretFile.path,
            "HERALD_POSTGRES_PASSWORD_FILE": passwordFile.path,
        ])
        #expect(configuration.component.secret == "from-file")
        #expect(configuration.postgres.password == "pg pass")
        do {
            _ = try await Self.load([
                "HERALD_COMPONENT_DOMAIN": "pubsub.example.com", "HERALD_COMPONENT_SECRET": "x",
                "HERALD_COMPONENT_SECRET_FILE": secretFile.path, "HERALD_POSTGRES_PASSWORD_FILE": "/nonexistent/pw",
            ])
            Issue.record("expected a configuration error")
        } catch let error as ConfigurationError {
            let problems = Dictionary(uniqueKeysWithValues: error.problems.map { ($0.setting.key, $0.message) })
            #expect(problems["component.secret"]?.contains("not both") == true)
            #expect(
                problems["postgres.password"]
                    == "cannot read the file HERALD_POSTGRES_PASSWORD_FILE names: /nonexistent/pw"
            )
            // The secret itself never appears in a message.
            #expect(!error.description.contains("from-file"))
        }
    }

    @Test func requiredSettingsMustNotBeEmpty() async throws {
        let problems = try await Self.problems(["HERALD_COMPONENT_DOMAIN": "", "HERALD_COMPONENT_SECRET": ""])
        #expect(
            problems == [
                "HERALD_COMPONENT_DOMAIN": "must not be empty", "HERALD_COMPONENT_SECRET": "must not be empty",
            ]
        )
    }

    @Test func payloadLimitMustBeBelowStanzaLimit() async throws {
        var environment = Self.required
        environment["HERALD_LIMITS_PAYLOAD_BYTES"] = "2000000"
        let problems = try await Self.problems(environment)
        #expect(problems.keys.sorted() == ["HERALD_LIMITS_PAYLOAD_BYTES"])
    }

    @Test func secretsNeverAppearInErrors() async throws {
        do {
            _ = try await Self.load(["HERALD_COMPONENT_SECRET": "hunter2", "HERALD_POSTGRES_PORT": "x"])
            Issue.record("expected an error")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test func helpDocumentsEverySetting() {
        for setting in HeraldSettings.all {
            #expect(HeraldSettings.help.contains(setting.environmentVariable))
            #expect(HeraldSettings.help.contains(setting.key))
        }
    }

    @Test func badHTTPSettingsAreReported() async throws {
        let problems = try await Self.problems([
            "HERALD_COMPONENT_DOMAIN": "pubsub.example.com", "HERALD_COMPONENT_SECRET": "s",
            "HERALD_HTTP_TOKENS": "backend@example.com=abc", "HERALD_HTTP_TLS_KEY_FILE": "/k.pem",
            "HERALD_HTTP_RATE_LIMIT": "0",
        ])
        #expect(problems["HERALD_HTTP_TOKENS"] == "'backend@example.com=abc' is not JID=<64 hex digits>")
        #expect(problems["HERALD_HTTP_TLS_CERTIFICATE_FILE"] == "is required with http.tls.keyFile")
        #expect(problems["HERALD_HTTP_RATE_LIMIT"]?.contains("outside 1...") == true)
        #expect(problems.count == 3)
    }
}
