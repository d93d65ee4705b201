import ArgumentParser
import Configuration
import Foundation
import HeraldApp
import Logging
import Metrics
import Prometheus
import PubSubHTTP
import XMPPCore

@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Herald, an XEP-0060 publish-subscribe service attached to an XMPP server as an XEP-0114 component.",
        discussion: HeraldSettings.help,
        subcommands: [Serve.self, CheckConfig.self, Migrate.self, Nodes.self, Publish.self, Tokens.self],
        defaultSubcommand: Serve.self
    )
}

/// Options shared by the commands that read the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "A JSON configuration file; environment variables override its values.")
    var config: String?

    /// The configuration, or every problem on stderr (one line each) and exit status 1.
    func load() async throws -> HeraldConfiguration {
        do {
            return try await HeraldConfiguration.load(
                environment: ProcessInfo.processInfo.environment,
                configFile: self.config
            )
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("herald: \(error)\n".utf8))
        } catch {
            FileHandle.standardError.write(
                Data("herald: cannot read the configuration file \(self.config ?? ""): \(error)\n".utf8)
            )
        }
        throw ExitCode.failure
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect to the XMPP server and serve pubsub (the default command).",
        discussion: HeraldSettings.help
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try await self.options.load()
        LoggingSystem.bootstrap { label in
            if let format = configuration.logFormat {
                return LineLogHandler(label: label, format: format, level: configuration.logLevel)
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        let logger = Logger(label: "herald")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        do {
            try await HeraldApplication.run(configuration: configuration, logger: logger, registry: registry)
            logger.info("herald stopped")
        } catch {
            // Printed as well as logged, so the reason is on stderr whatever the log level.
            FileHandle.standardError.write(Data("herald: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and exit.",
        discussion: HeraldSettings.help
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        _ = try await self.options.load()
        print("configuration is valid")
    }
}

/// Runs an admin task with warnings-only logging and prints its lines; a failure is one line on
/// stderr and exit status 1.
struct AdminRun {
    let options: ConfigOptions

    func callAsFunction(
        _ task: (HeraldConfiguration, Logger) async throws -> [String]
    ) async throws {
        let configuration = try await self.options.load()
        var logger = Logger(label: "herald")
        logger.logLevel = .warning
        do {
            for line in try await task(configuration, logger) {
                print(line)
            }
        } catch {
            FileHandle.standardError.write(Data("herald: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the schema migrations that the database lacks, then exit."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await AdminRun(options: self.options) { try await AdminTasks.migrate($0, logger: $1) }
    }
}

struct Nodes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show or delete nodes in the configured database.",
        subcommands: [List.self, Show.self, Delete.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per node (tab-separated).")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await AdminRun(options: self.options) { try await AdminTasks.listNodes($0, logger: $1) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A node's configuration, affiliations and subscriptions."
        )
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The NodeID.") var node: String

        func run() async throws {
            try await AdminRun(options: self.options) { try await AdminTasks.showNode(self.node, $0, logger: $1) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a node with its items, subscriptions and affiliations (subscribers are not notified)."
        )
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The NodeID.") var node: String

        func run() async throws {
            try await AdminRun(options: self.options) { try await AdminTasks.deleteNode(self.node, $0, logger: $1) }
        }
    }
}

struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A test publish from the shell: stored with every XEP-0060 rule, not pushed (no XMPP connection)."
    )

    @OptionGroup var options: ConfigOptions
    @Argument(help: "The NodeID.") var node: String
    @Argument(help: "The payload: one XML element, e.g. \"<ping xmlns='urn:example'/>\".") var payload: String
    @Option(name: .customLong("as"), help: "The publisher's JID (its affiliation decides).") var publisher: String
    @Option(name: .customLong("id"), help: "The ItemID (generated when absent).") var itemID: String?

    func run() async throws {
        guard let publisher = try? JID(self.publisher) else {
            throw ValidationError("--as: '\(self.publisher)' is not a JID")
        }
        try await AdminRun(options: self.options) {
            try await AdminTasks.publish(
                node: self.node,
                itemID: self.itemID,
                payload: self.payload,
                publisher: publisher,
                $0,
                logger: $1
            )
        }
    }
}

struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the bearer tokens of the HTTP API (stored hashed in the database).",
        subcommands: [Create.self, List.self, Revoke.self, Hash.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token acting as a JID; its secret is printed once."
        )
        @OptionGroup var options: ConfigOptions
        @Option(help: "The JID the token acts as (its affiliations decide what it may do).") var jid: String
        @Option(help: "A note on who holds the token.") var label = ""

        func run() async throws {
            guard let jid = try? JID(self.jid) else { throw ValidationError("--jid: '\(self.jid)' is not a JID") }
            try await AdminRun(options: self.options) {
                try await AdminTasks.createToken(jid: jid, label: self.label, $0, logger: $1)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per token (tab-separated), no secrets.")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await AdminRun(options: self.options) { try await AdminTasks.listTokens($0, logger: $1) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token at once.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The token's ID, as `tokens create` and `tokens list` show it.") var id: String

        func run() async throws {
            try await AdminRun(options: self.options) { try await AdminTasks.revokeToken(self.id, $0, logger: $1) }
        }
    }

    struct Hash: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the SHA-256 of a token read from stdin, for http.tokens (JID=<hash>)."
        )

        func run() async throws {
            guard let token = readLine(strippingNewline: true), !token.isEmpty else {
                throw ValidationError("give the token on stdin")
            }
            print(APIToken.hex(APIToken.hash(token)))
        }
    }
}
