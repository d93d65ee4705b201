import ArgumentParser
import Configuration
import Foundation
import HeraldApp
import Logging
import Metrics
import Prometheus
import XMPPCore

@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Herald, an XEP-0060 publish-subscribe service attached to an XMPP server as an XEP-0114 component.",
        discussion: HeraldSettings.help,
        subcommands: [Serve.self, CheckConfig.self, Migrate.self, Nodes.self, Publish.self],
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
