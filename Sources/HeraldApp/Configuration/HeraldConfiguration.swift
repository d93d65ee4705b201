package import Configuration
package import Logging
package import PostgresNIO
package import PubSub
package import XMPPComponent
package import XMPPCore

/// Everything `herald serve` needs, read and validated at start.
package struct HeraldConfiguration: Sendable {
    package var component: ComponentConfiguration
    package var postgres: PostgresClient.Configuration
    package var schemasDirectory: String
    package var pubsubLimits: PubSubLimits
    package var servicePolicy: ServicePolicy
    /// Where the API, `/health`, `/ready` and `/metrics` are served, and how.
    package var http: HTTPSettings
    package var bouncePolicy: BouncePolicy
    /// The XEP-0033 service fan-outs go through, if any.
    package var multicastService: JID?
    package var multicastMaxAddresses: Int
    package var logLevel: Logger.Level
    /// nil: swift-log's own text lines.
    package var logFormat: LineLogHandler.Format?
    /// How long a graceful shutdown may take before Herald stops anyway.
    package var shutdownGrace: Duration

    /// Reads the environment (secret files included) and the optional JSON file; throws one
    /// `ConfigurationError` listing every bad value, or the file provider's error.
    package static func load(environment: [String: String], configFile: String?) async throws -> Self {
        let (environment, problems) = ConfigReader.readingSecretFiles(environment)
        let reader = try await ConfigReader.herald(environment: environment, configFile: configFile)
        return try Self(config: reader, problems: problems)
    }

    /// Reads every setting of `HeraldSettings`; throws one `ConfigurationError` listing all bad
    /// values, after the `problems` already found.
    package init(config: ConfigReader, problems: [ConfigurationError.Problem] = []) throws(ConfigurationError) {
        var reader = SettingsReader(config: config)
        for problem in problems {
            reader.report(problem.setting, problem.message)
        }
        let domain = reader.string(HeraldSettings.componentDomain)
        if !domain.isEmpty {
            let jid = try? JID(domain)
            if jid == nil || jid?.localpart != nil || jid?.resourcepart != nil {
                reader.report(HeraldSettings.componentDomain, "'\(domain)' is not a domain name")
            }
        }
        let secret = reader.string(HeraldSettings.componentSecret)
        let problemsBeforeLimits = reader.problems.count
        let stanzaBytes = reader.int(HeraldSettings.limitsStanzaBytes, in: 10_000...(64 << 20))
        let payloadBytes = reader.int(HeraldSettings.limitsPayloadBytes, in: 1...(64 << 20))
        // Compare the two only when both are valid, so one bad value gives one message.
        if reader.problems.count == problemsBeforeLimits && payloadBytes >= stanzaBytes {
            reader.report(HeraldSettings.limitsPayloadBytes, "must be below limits.stanzaBytes (\(stanzaBytes))")
        }
        let levelText = reader.string(HeraldSettings.logLevel)
        let level = Logger.Level(rawValue: levelText.lowercased())
        if level == nil {
            reader.report(HeraldSettings.logLevel, "'\(levelText)' is not a log level")
        }
        self.component = ComponentConfiguration(
            host: reader.string(HeraldSettings.componentHost),
            port: reader.int(HeraldSettings.componentPort, in: 1...65535),
            domain: domain.lowercased(),
            secret: secret,
            keepaliveInterval: .seconds(reader.int(HeraldSettings.componentKeepaliveSeconds, in: 1...3600)),
            parserLimits: ParserLimits(
                maxStanzaBytes: stanzaBytes,
                maxDepth: reader.int(HeraldSettings.limitsDepth, in: 8...1024),
                maxAttributes: reader.int(HeraldSettings.limitsAttributes, in: 8...1024)
            )
        )
        let password = reader.string(HeraldSettings.postgresPassword)
        self.postgres = PostgresClient.Configuration(
            host: reader.string(HeraldSettings.postgresHost),
            port: reader.int(HeraldSettings.postgresPort, in: 1...65535),
            username: reader.string(HeraldSettings.postgresUser),
            password: password.isEmpty ? nil : password,
            database: reader.string(HeraldSettings.postgresDatabase),
            tls: .disable
        )
        // The pool sets timers (each a task and a system timer) for a connection it parks unless
        // the connection is one of the minimum and keep-alive is off: a publish parks one, so at a
        // thousand a second those timers cost more CPU than the publishes (decision 0018). The
        // pool hands out its lowest free slot: the node-state listener holds one of the two, and
        // publishes, one at a time, mostly take the other.
        self.postgres.options.minimumConnections = 2
        self.postgres.options.keepAliveBehavior = nil
        self.schemasDirectory = reader.string(HeraldSettings.schemasDirectory)
        // An items reply may be as large as the largest stanza Herald itself accepts.
        self.pubsubLimits = PubSubLimits(
            maxPayloadBytes: payloadBytes,
            maxReplyBytes: stanzaBytes,
            maxSubscriptionsPerJID: reader.int(HeraldSettings.limitsSubscriptionsPerJID, in: 1...1_000_000),
            maxNodesPerOwner: reader.int(HeraldSettings.limitsNodesPerOwner, in: 1...1_000_000)
        )
        self.servicePolicy = ServicePolicy(
            administrators: reader.bareJIDs(HeraldSettings.administrators),
            nodeCreation: Self.nodeCreation(&reader, componentDomain: domain.lowercased()),
            instantNodes: reader.bool(HeraldSettings.instantNodes),
            notifyAffiliationChanges: reader.bool(HeraldSettings.notifyAffiliations)
        )
        self.bouncePolicy = BouncePolicy(
            endOnPermanentError: reader.bool(HeraldSettings.bounceEndOnPermanentError),
            transientLimit: reader.int(HeraldSettings.bounceTransientLimit, in: 0...10_000)
        )
        let multicast = reader.string(HeraldSettings.multicastJID)
        self.multicastService = nil
        if !multicast.isEmpty {
            let jid = try? JID(multicast)
            if let jid, jid.localpart == nil, jid.resourcepart == nil {
                self.multicastService = jid
            } else {
                reader.report(HeraldSettings.multicastJID, "'\(multicast)' is not a domain name")
            }
        }
        self.multicastMaxAddresses = reader.int(HeraldSettings.multicastMaxAddresses, in: 2...99)
        self.http = HTTPSettings(&reader, parserLimits: self.component.parserLimits)
        self.shutdownGrace = .seconds(reader.int(HeraldSettings.shutdownGraceSeconds, in: 1...3600))
        switch reader.string(HeraldSettings.logFormat) {
        case "text": self.logFormat = nil
        case "logfmt": self.logFormat = .logfmt
        case "json": self.logFormat = .json
        case let other:
            reader.report(HeraldSettings.logFormat, "'\(other)' is not text, logfmt or json")
            self.logFormat = nil
        }
        self.logLevel = level ?? .info
        guard reader.problems.isEmpty else { throw ConfigurationError(problems: reader.problems) }
    }

    private static func nodeCreation(_ reader: inout SettingsReader, componentDomain: String) -> NodeCreationPolicy {
        let policy = reader.string(HeraldSettings.nodeCreation)
        switch policy {
        case "anyone":
            return .anyone
        case "local":
            var domains = Set(reader.list(HeraldSettings.nodeCreationDomains).map { $0.lowercased() })
            if domains.isEmpty, let dot = componentDomain.firstIndex(of: ".") {
                // pubsub.example.com serves the accounts of example.com.
                domains = [String(componentDomain[componentDomain.index(after: dot)...])]
            }
            return .localUsers(domains: domains)
        case "listed":
            return .listed(reader.bareJIDs(HeraldSettings.nodeCreators))
        case "admins":
            return .administrators
        default:
            reader.report(HeraldSettings.nodeCreation, "'\(policy)' is not anyone, local, listed or admins")
            return .administrators
        }
    }
}
