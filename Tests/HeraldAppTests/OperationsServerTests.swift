import Foundation
import Hummingbird
import HummingbirdTesting
import Metrics
import Prometheus
import PubSub
import Testing
import XMPPCore

@testable import HeraldApp

/// `/health`, `/ready` and `/metrics` (issue 5), through Hummingbird's router test client.
@Suite struct OperationsServerTests {
    static func application(
        problems: [String],
        store: any PubSubStore = InMemoryPubSubStore()
    )
        -> (some ApplicationProtocol, PrometheusCollectorRegistry)
    {
        let registry = PrometheusCollectorRegistry()
        let router = Router()
        OperationsServer.addRoutes(to: router, problems: { problems }, store: store, registry: registry)
        return (Application(router: router), registry)
    }

    @Test func healthAndReadiness() async throws {
        let (ready, _) = Self.application(problems: [])
        try await ready.test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        let (notReady, _) = Self.application(problems: ["PostgreSQL not reachable"])
        try await notReady.test(.router) { client in
            try await client.execute(uri: "/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body) == "PostgreSQL not reachable\n")
            }
            // Health is about the process only.
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func metricsAreInPrometheusTextFormatAndMoveWithTraffic() async throws {
        let store = InMemoryPubSubStore()
        try await store.createNode(Node(id: "n", creator: try JID("alice@localhost"), createdAt: Date()))
        let (app, registry) = Self.application(problems: [], store: store)
        // The counters StanzaMetrics records, made on this registry directly (the global metrics
        // system is bootstrapped once per process, by `herald serve`).
        let factory = PrometheusMetricsFactory(registry: registry)
        let published = Counter(label: "herald_publishes_total", factory: factory)
        published.increment(by: 3)
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = String(buffer: response.body)
                #expect(text.contains("# TYPE herald_publishes_total counter\nherald_publishes_total 3\n"))
                #expect(text.contains("herald_nodes 1"))
            }
        }
    }
}
