import Hummingbird
import Logging
import Prometheus
import PubSub

/// The HTTP endpoints an operator and a container platform use: `/health` (the process answers),
/// `/ready` (Herald can serve: see `Readiness`) and `/metrics` (Prometheus text format).
enum OperationsServer {
    /// `problems` says what keeps Herald from serving (empty: ready).
    static func addRoutes<Context: RequestContext>(
        to router: Router<Context>,
        problems: @escaping @Sendable () async -> [String],
        store: any PubSubStore,
        registry: PrometheusCollectorRegistry
    ) {
        let nodes = registry.makeGauge(name: "herald_nodes", help: "Nodes in the store")
        let subscriptions = registry.makeGauge(name: "herald_subscriptions", help: "Subscriptions in the store")
        router.get("health") { _, _ in
            Self.text("ok\n")
        }
        router.get("ready") { _, _ in
            let problems = await problems()
            guard problems.isEmpty else {
                return Self.text(problems.joined(separator: "\n") + "\n", status: .serviceUnavailable)
            }
            return Self.text("ready\n")
        }
        router.get("metrics") { _, _ in
            // Totals are read at scrape time, one query for both.
            // Bounded, so that a scrape answers while the database is down (the totals keep their
            // last values then).
            if let statistics = try? await Deadline.run(within: .seconds(1), { try await store.statistics() }) {
                nodes.set(Double(statistics.nodes))
                subscriptions.set(Double(statistics.subscriptions))
            }
            return Self.text(registry.emitToString(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }

    private static func text(
        _ body: String,
        status: HTTPResponse.Status = .ok,
        contentType: String = "text/plain; charset=utf-8"
    ) -> Response {
        Response(
            status: status,
            headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body))
        )
    }
}
