import ArgumentParser
import Foundation

/// herald-bench: plays the XMPP server's side of XEP-0114 on loopback, starts herald against it,
/// drives a scenario and reports what came back (Docs/performance.md). Bounded in count and time.
@main
struct HeraldBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-bench",
        abstract:
            "Load Herald through its component connection, or through Prosody, and report throughput and latency.",
        discussion: """
            Needs the stack in the environment (PostgreSQL; Prosody for --through-prosody):
              eval "$(bash Deploy/local/stack.sh env test)"
            fan-out (scenario a): --subscribers 1000 --publishes 2000 --window 16
            many nodes (scenario b): --nodes 1000 --subscribers 100 --publishes 5000 --window 16
            fixed rate (scenario c): --subscribers 10 --publishes 10000 --window 64 --rate 1000
            durable publishes (scenario d): --subscribers 0 --publishes 20000 --window 64
            through Prosody, against Herald and mod_pubsub: --through-prosody --subscribers 100 --publishes 2000
            """
    )

    @Option(help: "The herald binary (build it with swift build -c release).")
    var herald = ".build/release/herald"
    @Option(help: "Nodes; each publish goes to one drawn at random.") var nodes = 1
    @Option(help: "Subscribers of each node.") var subscribers = 100
    @Option(help: "Publishes to make.") var publishes = 1000
    @Option(help: "Publishes in flight at once.") var window = 16
    @Option(help: "Publishes a second, paced (default: as fast as the window allows).") var rate: Int?
    @Option(help: "Before every Nth publish, one more JID subscribes to the node and unsubscribes again.")
    var churn: Int?
    @Option(help: "Seconds after which the run stops, counting what is missing as lost.") var timeout = 120
    @Option(help: "Write the reports (one per service measured) as a JSON array to this file too.") var json: String?
    @Flag(help: "Create one node and one subscription through Herald, the rest straight in PostgreSQL.")
    var seed = false
    @Flag(help: "Restart herald after the set-up, and report how long it takes to answer (scenario e).")
    var restart = false
    @Flag(
        help: """
            Play the scenario with client streams through the stack's Prosody (one per subscriber), \
            against Herald's component and then against Prosody's own mod_pubsub.
            """
    )
    var throughProsody = false
    @Flag(
        inversion: .prefixedNo,
        help: "Through Prosody, let Herald send its fan-outs through the stack's XEP-0033 multicast service."
    )
    var multicast = true

    func validate() throws {
        // Prosody's soft limit on open files is 1,024, and each subscriber is a client stream.
        if self.throughProsody, self.seed || self.restart || self.churn != nil || self.nodes * self.subscribers > 1000 {
            throw ValidationError(
                "--through-prosody takes at most 1,000 subscribers, without --seed, --restart or --churn"
            )
        }
        guard (1...100_000).contains(self.nodes), (0...1_000_000).contains(self.subscribers),
            (0...2_000_000).contains(self.nodes * self.subscribers), (1...10_000_000).contains(self.publishes),
            (1...10_000).contains(self.window), (1...3600).contains(self.timeout),
            (1...1_000_000).contains(self.rate ?? 1), (1...10_000_000).contains(self.churn ?? 1)
        else {
            throw ValidationError(
                "counts out of range (subscribers ≤ 1e6, publishes ≤ 1e7, window ≤ 1e4, rate ≤ 1e6, churn ≥ 1)"
            )
        }
    }

    func run() async throws {
        let reports = self.throughProsody ? try await self.runThroughProsody() : [try await self.runOnComponent()]
        print(reports.map(\.table).joined(separator: "\n\n"))
        if let json = self.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(reports).write(to: URL(fileURLWithPath: json))
        }
        let unanswered = reports.map(\.result.publishesUnanswered).reduce(0, +)
        let lost = reports.map(\.result.notificationsLost).reduce(0, +)
        let duplicated = reports.map(\.result.notificationsDuplicated).reduce(0, +)
        guard unanswered == 0, lost == 0, duplicated == 0 else {
            throw BenchError(
                "\(unanswered) publishes unanswered, \(lost) notifications lost, \(duplicated) duplicated"
            )
        }
    }

    /// Herald's HTTP port in a run: the stack reserves it from the kernel's ephemeral ports.
    private static var httpPort: String {
        ProcessInfo.processInfo.environment["HERALD_STACK_BENCH_HTTP_PORT"] ?? "55289"
    }

    /// A name no earlier run used, for this run's nodes and JIDs.
    private static func newRunName() -> String {
        String(UInt32.random(in: .min ... .max), radix: 36)
    }

    private var scenario: FanOutScenario {
        FanOutScenario(
            nodes: self.nodes,
            subscribers: self.subscribers,
            publishes: self.publishes,
            window: self.window,
            rate: self.rate,
            churn: self.churn,
            timeout: .seconds(self.timeout)
        )
    }

    /// Herald's component connection goes to the bench itself.
    private func runOnComponent() async throws -> Report {
        let domain = "pubsub.bench"
        let secret = "bench-secret"
        let server = try await BenchServer(domain: domain, secret: secret, port: 0)
        let overrides = [
            "HERALD_COMPONENT_DOMAIN": domain, "HERALD_COMPONENT_SECRET": secret,
            "HERALD_COMPONENT_HOST": "127.0.0.1", "HERALD_COMPONENT_PORT": "\(server.port)",
            "HERALD_HTTP_PORT": Self.httpPort, "HERALD_LOG_LEVEL": "warning",
            "HERALD_LIMITS_SUBSCRIPTIONS_PER_JID": "1000000",
        ]
        var herald = try HeraldProcess(binary: self.herald, overrides: overrides)
        defer { herald.stop() }
        let scenario = self.scenario
        let run = Self.newRunName()
        let clock = ContinuousClock()
        let (result, cpu, startup) = try await server.accept { connections in
            try await connections.session { session in
                try await scenario.setUp(&session, domain: domain, run: run, seed: self.seed)
                // Stopped while its connection is open, so that it does not reconnect as the next one.
                if self.restart { herald.stop() }
            }
            var startup: Double?
            if self.restart {
                let spawned = clock.now
                herald = try HeraldProcess(binary: self.herald, overrides: overrides)
                return try await connections.session { session in
                    try await FanOutScenario.ping(&session, domain: domain)
                    startup = FanOutScenario.seconds(clock.now - spawned)
                    let cpuBefore = herald.cpuSeconds
                    let result = try await scenario.measure(&session, domain: domain, run: run)
                    return (result, herald.cpuSeconds - cpuBefore, startup)
                }
            }
            return try await connections.session { session in
                let cpuBefore = herald.cpuSeconds
                let result = try await scenario.measure(&session, domain: domain, run: run)
                return (result, herald.cpuSeconds - cpuBefore, startup)
            }
        }
        try await BenchDatabase.forget(run: run)
        return Report(
            service: "herald",
            result: result,
            heraldCPUSeconds: cpu,
            heraldPeakRSSMiB: herald.peakRSSMiB,
            startupSeconds: startup
        )
    }

    /// Herald connects to the stack's Prosody as the bench's component; then the same scenario runs
    /// against Prosody's mod_pubsub. Prosody's address and the bench's host and password come from
    /// `stack.sh env`.
    private func runThroughProsody() async throws -> [Report] {
        let environment = ProcessInfo.processInfo.environment
        guard let c2s = environment["HERALD_STACK_C2S_PORT"].flatMap(Int.init),
            let component = environment["HERALD_COMPONENT_PORT"],
            let domain = environment["HERALD_STACK_BENCH_DOMAIN"],
            let secret = environment["HERALD_STACK_BENCH_SECRET"],
            let pidFile = environment["HERALD_STACK_PROSODY_PIDFILE"],
            let prosody = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap({
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            })
        else {
            throw BenchError(#"--through-prosody needs a running stack: eval "$(bash Deploy/local/stack.sh env test)""#)
        }
        let scenario = ProsodyScenario(scenario: self.scenario, port: c2s, domain: domain, password: secret)
        let run = Self.newRunName()
        let herald = try HeraldProcess(
            binary: self.herald,
            overrides: [
                "HERALD_COMPONENT_DOMAIN": "herald.\(domain)", "HERALD_COMPONENT_SECRET": secret,
                "HERALD_COMPONENT_HOST": "127.0.0.1", "HERALD_COMPONENT_PORT": component,
                "HERALD_HTTP_PORT": Self.httpPort, "HERALD_LOG_LEVEL": "warning",
                "HERALD_MULTICAST_JID": self.multicast ? "multicast.\(domain)" : "",
            ]
        )
        defer { herald.stop() }
        let heraldPID = herald.pid
        @Sendable func cpu(_ pid: Int32, _ name: String) throws -> Double {
            guard let seconds = ProcessStats.cpuSeconds(pid: pid) else {
                throw BenchError("\(name) exited during the run")
            }
            return seconds
        }
        let onHerald = try await scenario.run(service: "herald.\(domain)", run: run) {
            ProsodyScenario.CPUTimes(herald: try cpu(heraldPID, "herald"), prosody: try cpu(prosody, "Prosody"))
        }
        let onProsody = try await scenario.run(service: "pubsub.\(domain)", run: run) {
            ProsodyScenario.CPUTimes(prosody: try cpu(prosody, "Prosody"))
        }
        return [
            Report(
                service: self.multicast ? "herald via Prosody, multicast" : "herald via Prosody",
                result: onHerald.result,
                heraldCPUSeconds: onHerald.cpu.herald,
                heraldPeakRSSMiB: herald.peakRSSMiB,
                prosodyCPUSeconds: onHerald.cpu.prosody
            ),
            Report(
                service: "mod_pubsub via Prosody",
                result: onProsody.result,
                prosodyCPUSeconds: onProsody.cpu.prosody
            ),
        ]
    }
}

/// A run's figures, for the table and the JSON file.
struct Report: Codable {
    /// What was measured: "herald" (on its component connection), "herald via Prosody" (with
    /// ", multicast" when it used XEP-0033) or "mod_pubsub via Prosody".
    var service: String
    var result: FanOutScenario.Result
    /// Herald's CPU time while publishing (set-up excluded), from /proc; nil for mod_pubsub.
    var heraldCPUSeconds: Double?
    var heraldPeakRSSMiB: Double?
    /// Prosody's, through Prosody.
    var prosodyCPUSeconds: Double?
    /// With --restart: from starting herald to its first answer.
    var startupSeconds: Double?

    var table: String {
        let r = self.result
        func ms(_ values: [Double]) -> String {
            values.map { String(format: "%.2f", $0) }.joined(separator: " / ")
        }
        func cpu(_ name: String, _ seconds: Double?) -> String {
            seconds.map {
                "\n" + name + String(format: "%.1f", $0) + " s in " + String(format: "%.1f", r.seconds) + " s"
            } ?? ""
        }
        return """
            service             \(self.service)
            scenario            \(r.nodes) node\(r.nodes == 1 ? "" : "s") × \(r.subscribers) subscribers, \(r.publishes) publishes, \(r.window) in flight\
            \(r.rate.map { ", \($0)/s" } ?? "")\(r.churn.map { ", a subscribe and an unsubscribe before every \($0)" } ?? "")
            publishes/s         \(String(format: "%.0f", r.publishesPerSecond))
            notifications/s     \(String(format: "%.0f", r.notificationsPerSecond))
            unanswered          \(r.publishesUnanswered) of \(r.publishes) publishes
            lost notifications  \(r.notificationsLost) of \(r.notificationsExpected)
            duplicates          \(r.notificationsDuplicated)
            publish RTT ms      \(ms(r.publishRTT))  (p50 / p99 / p99.9)
            publish→notify ms   \(ms(r.notificationLatency))  (p50 / p99 / p99.9)\
            \(cpu("herald CPU          ", self.heraldCPUSeconds))\
            \(cpu("Prosody CPU         ", self.prosodyCPUSeconds))\
            \(self.heraldPeakRSSMiB.map { "\nherald peak RSS     " + String(format: "%.0f", $0) + " MiB" } ?? "")\
            \(self.startupSeconds.map { "\nherald ready after  " + String(format: "%.2f", $0) + " s" } ?? "")
            """
    }
}
