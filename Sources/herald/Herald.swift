import ArgumentParser
import Configuration
import Foundation
import HeraldApp
import Logging
import Metrics
import Prometheus

@main
struct Herald: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Herald, an XEP-0060 publish-subscribe service attached to an XMPP server as an XEP-0114 component.",
        discussion: HeraldSettings.help,
        subcommands: [Serve.self, CheckConfig.self],
        defaultSubcommand: Serve.self
    )
}

/// Options shared by the commands that read the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "A JSON configuration file; environment variables override its values.")
    var config: String?

    func load() async throws -> HeraldConfiguration {
        let environment = ProcessInfo.processInfo.environment
        let reader: ConfigReader
        do {
            reader = try await ConfigReader.herald(environment: environment, configFile: self.config)
        } catch let error as ConfigurationError {
            throw ValidationError("\(error)")
        } catch {
            throw ValidationError("cannot read the configuration file \(self.config ?? ""): \(error)")
        }
        do {
            return try HeraldConfiguration(config: reader)
        } catch {
            throw ValidationError("\(error)")
        }
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
