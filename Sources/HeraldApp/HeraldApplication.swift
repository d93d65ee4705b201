import FoundationEssentials
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
package import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
package import Prometheus
import PubSub
import PubSubHTTP
import PubSubPostgres
import ServiceLifecycle
import UnixSignals
import XMPPComponent
import XMPPCore

/// Wires the services of `herald serve` and runs them until a signal or a fatal error.
package enum HeraldApplication {
    /// Runs Herald; returns after a graceful shutdown (SIGTERM/SIGINT), throws on a fatal error.
    /// `registry` holds the metrics `/metrics` exports (swift-metrics must be bootstrapped with it).
    package static func run(
        configuration: HeraldConfiguration,
        logger: Logger,
        registry: PrometheusCollectorRegistry
    ) async throws {
        // Read the migrations before connecting anywhere, so a bad schemas folder fails at once.
        let migrations = try Migration.load(from: configuration.schemasDirectory)
        let connection = ComponentConnection(
            configuration: configuration.component,
            logger: logger,
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton
        )
        // The name this process writes under: the node-state announcements of its own writes are
        // skipped, since its cache saw those writes (migration 0009, decision 0015).
        let writer = UUID().uuidString
        var postgresConfiguration = configuration.postgres
        postgresConfiguration.options.additionalStartupParameters.append(("herald.writer", writer))
        // PostgreSQL's sockets on the component's loop, where the pump and each request's work run:
        // a publish is read, committed and fanned out without a change of thread (decision 0018).
        let postgres = PostgresClient(
            configuration: postgresConfiguration,
            eventLoopGroup: connection.executor.eventLoop,
            backgroundLogger: logger
        )
        let store = MeasuredStore(PostgresPubSubStore(client: postgres, logger: logger))
        let cache = CachedPubSubStore(store)
        let service = PubSubService(
            domain: try JID(configuration.component.domain),
            store: cache,
            limits: configuration.pubsubLimits,
            policy: configuration.servicePolicy,
            bouncePolicy: configuration.bouncePolicy,
            // XEP-0356 roster reads go out over the component stream; their answers bypass the pump.
            rosterAccess: RosterAccess(request: { iq in try await connection.request(iq) }),
            // XEP-0033: asked for on each new stream, over it.
            multicast: Multicast(
                service: configuration.multicastService,
                maxAddresses: configuration.multicastMaxAddresses,
                request: { iq in try await connection.request(iq) },
                stream: { connection.streamsEstablished },
                logger: logger
            ),
            executor: connection.executor,
            logger: logger
        )
        let readiness = Readiness(connection: connection, postgres: postgres)
        let dispatcher = PubSubDispatcher(connection: connection, service: service, logger: logger)
        let pump = StanzaPump(connection: connection, dispatcher: dispatcher, logger: logger) {
            try await DatabaseWait.untilReachable(postgres, logger: logger)
            // Not bounded in time: a long migration must finish, and the advisory lock keeps
            // other instances waiting meanwhile.
            try await Migrator(client: postgres, logger: logger).migrate(migrations)
            readiness.migrationsApplied()
        }
        let apiStore = PostgresAPIStore(client: postgres, logger: logger)
        let api = HTTPAPI(
            domain: service.domain,
            store: apiStore,
            configuredTokens: configuration.http.tokens,
            limits: configuration.http.limits,
            instantNodes: configuration.servicePolicy.instantNodes
        ) { stanza in
            guard readiness.isMigrated else {
                throw Problem.unavailable("Herald is starting: database migrations not applied yet")
            }
            // Through the dispatcher, so HTTP and XMPP publishes to a node notify in commit order.
            do {
                return try await dispatcher.request(stanza, waitingAtMost: .seconds(10), capacity: 1024) {
                    // Checked at the gate, after the wait: a change made while the stream is down
                    // could not be pushed to anyone (decision 0007 assumes no publish arrives
                    // then, which holds for XMPP publishes by construction).
                    guard stanza[attribute: "type"] != "set" || connection.isEstablished else {
                        throw Problem.unavailable("the XMPP stream is down, so subscribers cannot be notified now")
                    }
                }
            } catch is SerialGate.NotAdmitted {
                throw Problem.unavailable("Herald is too busy to take the request now; it was not run")
            }
        }
        let router = Router(context: APIRequestContext.self)
        OperationsServer.addRoutes(to: router, problems: readiness.problems, store: store, registry: registry)
        api.addRoutes(to: router)
        let http = Application(
            router: router,
            server: try Self.httpServer(configuration.http),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.http.host, port: configuration.http.port),
                serverName: "herald"
            ),
            logger: logger
        )
        // Graceful shutdown runs in reverse order: HTTP stops taking requests, the pump answers
        // its last stanza, then the component closes its stream, then the database pool closes.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: postgres),
                    .init(service: NodeStateListener(postgres: postgres, cache: cache, writer: writer, logger: logger)),
                    .init(service: connection),
                    .init(service: pump),
                    .init(
                        service: ExpirySweeper(
                            service: service,
                            apiStore: apiStore,
                            interval: .seconds(60),
                            logger: logger
                        )
                    ),
                    .init(service: http),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            ).withShutdownGrace(configuration.shutdownGrace)
        )
        try await group.run()
    }
}

extension HeraldApplication {
    /// HTTP/1.1, over TLS when certificate and key are configured.
    fileprivate static func httpServer(_ settings: HTTPSettings) throws -> HTTPServerBuilder {
        guard let tls = settings.tls else { return .http1() }
        let certificates: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(tls.certificateFile)
            key = try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)
        } catch {
            throw HTTPTLSError(description: "cannot read the TLS certificate or key: \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificates.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        return try .tls(.http1(), tlsConfiguration: configuration)
    }
}

extension ServiceGroupConfiguration {
    /// Past `grace` after SIGTERM the services are cancelled, and cancellation itself gets a few
    /// seconds more, so a stuck request cannot keep Herald from stopping.
    fileprivate func withShutdownGrace(_ grace: Duration) -> Self {
        var configuration = self
        configuration.maximumGracefulShutdownDuration = grace
        configuration.maximumCancellationDuration = .seconds(5)
        return configuration
    }
}
