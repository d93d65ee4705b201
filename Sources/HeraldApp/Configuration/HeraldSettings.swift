/// Every setting Herald reads, in the order `herald --help` lists them.
package enum HeraldSettings {
    static let componentDomain = Setting("component.domain", "Domain of the component, e.g. pubsub.example.com")
    static let componentSecret = Setting("component.secret", "Shared secret of the XEP-0114 handshake", isSecret: true)
    static let componentHost = Setting(
        "component.host",
        "Host of the XMPP server's component port",
        default: "127.0.0.1"
    )
    static let componentPort = Setting("component.port", "The XMPP server's component port", default: "5347")
    static let componentKeepaliveSeconds = Setting(
        "component.keepaliveSeconds",
        "Idle seconds before a whitespace keepalive",
        default: "60"
    )
    static let postgresHost = Setting("postgres.host", "PostgreSQL host", default: "127.0.0.1")
    static let postgresPort = Setting("postgres.port", "PostgreSQL port", default: "5432")
    static let postgresUser = Setting("postgres.user", "PostgreSQL user", default: "herald")
    static let postgresPassword = Setting(
        "postgres.password",
        "PostgreSQL password (none if unset)",
        default: "",
        isSecret: true
    )
    static let postgresDatabase = Setting("postgres.database", "PostgreSQL database", default: "herald")
    static let schemasDirectory = Setting(
        "schemas.directory",
        "Folder of the numbered SQL migrations applied at start",
        default: "Schemas"
    )
    static let limitsStanzaBytes = Setting(
        "limits.stanzaBytes",
        "Largest inbound stanza in bytes (at least 10000, RFC 6120 §13.12)",
        default: "1048576"
    )
    static let limitsPayloadBytes = Setting(
        "limits.payloadBytes",
        "Largest item payload in bytes (below the stanza limit)",
        default: "262144"
    )
    static let limitsDepth = Setting(
        "limits.depth",
        "Deepest element nesting inside one stanza",
        default: "64"
    )
    static let limitsAttributes = Setting(
        "limits.attributes",
        "Most attributes on one element",
        default: "64"
    )
    static let limitsSubscriptionsPerJID = Setting(
        "limits.subscriptionsPerJid",
        "Most subscriptions one bare JID may hold across the service (XEP-0060 §6.1.3.9)",
        default: "1000"
    )
    static let limitsNodesPerOwner = Setting(
        "limits.nodesPerOwner",
        "Most nodes one bare JID may own; beyond it resource-constraint (administrators are exempt)",
        default: "1000"
    )
    static let administrators = Setting(
        "service.admins",
        "Comma-separated JIDs that may do everything an owner may, on every node",
        default: ""
    )
    static let nodeCreation = Setting(
        "nodes.creation",
        "Who may create nodes: anyone, local (accounts of nodes.creationDomains), listed (nodes.creators) or admins",
        default: "anyone"
    )
    static let nodeCreationDomains = Setting(
        "nodes.creationDomains",
        "Comma-separated domains whose accounts may create nodes under nodes.creation=local; empty: the component's parent domain",
        default: ""
    )
    static let nodeCreators = Setting(
        "nodes.creators",
        "Comma-separated JIDs that may create nodes under nodes.creation=listed",
        default: ""
    )
    static let instantNodes = Setting(
        "nodes.instant",
        "true: a create without a NodeID gets one from the service (XEP-0060 §8.1.2)",
        default: "true"
    )
    static let notifyAffiliations = Setting(
        "notify.affiliations",
        "true: an entity whose affiliation an owner changes is told (XEP-0060 §8.9.4)",
        default: "true"
    )
    static let bounceEndOnPermanentError = Setting(
        "bounce.endOnPermanentError",
        "true: a notification bounced with a cancel-type error or <gone/> ends that subscription (XEP-0060 §12.4)",
        default: "true"
    )
    static let bounceTransientLimit = Setting(
        "bounce.transientLimit",
        "Transient (wait, auth, modify) bounces in a row that end a subscription; 0 never ends it",
        default: "5"
    )
    static let multicastJID = Setting(
        "multicast.jid",
        "Address of the XEP-0033 multicast service of Herald's own XMPP server, for fan-outs, e.g. multicast.example.com (unset: one message per subscriber)",
        default: ""
    )
    static let multicastMaxAddresses = Setting(
        "multicast.maxAddresses",
        "Most addresses in one multicast message, at most the service's limit (2 to 99: XEP-0033 §9 asks services for less than 100)",
        default: "99"
    )
    static let httpHost = Setting(
        "http.host",
        "Address of the HTTP server (the API for backends, /health, /ready and /metrics)",
        default: "127.0.0.1"
    )
    static let httpPort = Setting(
        "http.port",
        "Port of the HTTP server",
        default: "8080"
    )
    static let httpTokens = Setting(
        "http.tokens",
        "Comma-separated JID=SHA256 pairs: API tokens given in configuration, each as the hex SHA-256 `herald tokens hash` prints (tokens may also come from `herald tokens create`)",
        default: ""
    )
    static let httpMaxBodyBytes = Setting(
        "http.maxBodyBytes",
        "Largest HTTP request body in bytes; larger gets 413",
        default: "1048576"
    )
    static let httpRateLimit = Setting(
        "http.rateLimit",
        "API requests a second per token, on average; more gets 429",
        default: "200"
    )
    static let httpRateBurst = Setting(
        "http.rateBurst",
        "API requests a token may make at once above the average rate",
        default: "400"
    )
    static let httpTLSCertificateFile = Setting(
        "http.tls.certificateFile",
        "PEM certificate chain: set with http.tls.keyFile to serve HTTPS (unset: plain HTTP, TLS terminated by the platform)",
        default: ""
    )
    static let httpTLSKeyFile = Setting(
        "http.tls.keyFile",
        "PEM private key of http.tls.certificateFile",
        default: ""
    )
    static let logFormat = Setting(
        "log.format",
        "logfmt (key=value), json (one object per line) or text (swift-log's format, which does not escape values)",
        default: "logfmt"
    )
    static let shutdownGraceSeconds = Setting(
        "shutdown.graceSeconds",
        "After SIGTERM, seconds to finish in-flight work before Herald stops anyway",
        default: "10"
    )
    static let logLevel = Setting(
        "log.level",
        "trace, debug, info, notice, warning, error or critical",
        default: "info"
    )

    package static let all: [Setting] = [
        componentDomain, componentSecret, componentHost, componentPort, componentKeepaliveSeconds,
        postgresHost, postgresPort, postgresUser, postgresPassword, postgresDatabase,
        schemasDirectory, limitsStanzaBytes, limitsPayloadBytes, limitsDepth, limitsAttributes,
        limitsSubscriptionsPerJID, limitsNodesPerOwner, administrators, nodeCreation, nodeCreationDomains,
        nodeCreators, instantNodes, notifyAffiliations, bounceEndOnPermanentError, bounceTransientLimit,
        multicastJID, multicastMaxAddresses, httpHost,
        httpPort, httpTokens, httpMaxBodyBytes, httpRateLimit, httpRateBurst, httpTLSCertificateFile, httpTLSKeyFile,
        shutdownGraceSeconds, logFormat, logLevel,
    ]

    /// The settings table for `--help`.
    package static var help: String {
        var lines = [
            "Settings (environment variable, or key in the --config JSON file; the environment wins).",
            "A secret may instead come from a file: HERALD_X_FILE=/path sets HERALD_X to the file's content.", "",
        ]
        for setting in Self.all {
            let requirement = setting.defaultValue.map { $0.isEmpty ? "optional" : "default \($0)" } ?? "required"
            lines.append("  \(setting.environmentVariable)  (\(setting.key); \(requirement))")
            lines.append("      \(setting.summary)")
        }
        return lines.joined(separator: "\n")
    }
}
