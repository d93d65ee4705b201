import NIOConcurrencyHelpers
import NIOCore

/// `--through-prosody`: the scenario of `FanOutScenario`, played by client streams through the
/// stack's Prosody against a pubsub service there: Herald's component, or Prosody's own
/// mod_pubsub. One publisher with an account creates the nodes and publishes; each subscriber is
/// an anonymous client of its own, subscribed with its full JID, so notifications reach it without
/// presence.
struct ProsodyScenario: Sendable {
    var scenario: FanOutScenario
    /// Prosody's client port.
    var port: Int
    /// The bench's host: the publisher's account is on it, the subscribers on `guests.` it.
    var domain: String
    var password: String

    /// What a run measured, and the CPU time `cpu` reports over the measurement.
    struct Measured: Sendable {
        var result: FanOutScenario.Result
        var cpuSeconds: [Double]
    }

    /// Sets up, measures and deletes the run's nodes at `service`; `cpu` samples the CPU time of
    /// the processes measured.
    func run(service: String, run: String, cpu: @Sendable () -> [Double]) async throws -> Measured {
        let nodes = self.scenario.nodeNames(run: run)
        return try await ClientStream.session(
            port: self.port,
            domain: self.domain,
            login: .plain(user: "publisher", password: self.password)
        ) { publisher, _ in
            try await Self.awaitService(service, &publisher)
            try await FanOutScenario.create(nodes, &publisher, from: nil, to: service)
            let notifications = Notifications(sent: SentTimes(count: self.scenario.publishes))
            let measured = try await withThrowingTaskGroup(of: Void.self) { group in
                try await self.subscribe(nodes, at: service, in: &group, counting: notifications)
                let before = cpu()
                let result = try await self.measure(&publisher, nodes: nodes, service: service, notifications)
                group.cancelAll()
                return Measured(result: result, cpuSeconds: zip(cpu(), before).map { $0 - $1 })
            }
            try await FanOutScenario.inChunks(Array(nodes.enumerated()), &publisher) { index, node in
                (
                    "d\(index)",
                    "<iq type='set' id='d\(index)' to='\(service)'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>"
                        + "<delete node='\(node)'/></pubsub></iq>"
                )
            }
            return measured
        }
    }

    /// Asks `service` for its disco#info until it answers: Herald's component may still be
    /// connecting (mod_pubsub does not answer pings).
    private static func awaitService(_ service: String, _ session: inout BenchSession) async throws {
        for attempt in 0..<300 {
            try await session.send(
                "<iq type='get' id='info\(attempt)' to='\(service)'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
            )
            while let stanza = try await session.next() {
                guard stanza.name == "iq", stanza.id == "info\(attempt)" else { continue }
                if stanza.type == "result" { return }
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("\(service) did not answer disco#info in 30 s")
    }

    /// Connects the subscribers, 100 at a time, each in a task of `group` that subscribes, then
    /// counts its notifications until the group is cancelled.
    private func subscribe(
        _ nodes: [String],
        at service: String,
        in group: inout ThrowingTaskGroup<Void, any Error>,
        counting notifications: Notifications
    ) async throws {
        let subscribers = nodes.indices.flatMap { node in (0..<self.scenario.subscribers).map { _ in node } }
        let (events, event) = AsyncStream.makeStream(of: (any Error)?.self)
        var start = 0
        while start < subscribers.count {
            let chunk = subscribers[start..<min(subscribers.count, start + 100)]
            for node in chunk {
                group.addTask {
                    do {
                        try await ClientStream.session(
                            port: self.port,
                            domain: "guests.\(self.domain)",
                            login: .anonymous
                        ) {
                            session,
                            jid in
                            try await session.send(
                                FanOutScenario.subscribe(id: "s", node: nodes[node], jid: jid, from: nil, to: service)
                            )
                            try await FanOutScenario.awaitResults(["s"], &session)
                            event.yield(nil)
                            while let stanza = try await session.next() {
                                if stanza.name == "message",
                                    let index = FanOutScenario.index(stanza.itemID, prefix: "i")
                                {
                                    notifications.arrived(index)
                                }
                            }
                        }
                    } catch {
                        event.yield(error)
                    }
                }
            }
            var ready = 0
            for await failure in events {
                if let failure { throw failure }
                ready += 1
                if ready == chunk.count { break }
            }
            start += chunk.count
        }
    }

    /// Publishes as `FanOutScenario.measure` does, reading results on the publisher's stream and
    /// notifications from the subscribers' tasks; past the timeout, what is missing is lost.
    private func measure(
        _ publisher: inout BenchSession,
        nodes: [String],
        service: String,
        _ notifications: Notifications
    ) async throws -> FanOutScenario.Result {
        let clock = ContinuousClock()
        let scenario = self.scenario
        let start = clock.now
        let deadline = start + scenario.timeout
        let (sender, credit) = scenario.startPublishing(publisher.outbound, sent: notifications.sent, start: start) {
            FanOutScenario.publish(
                index: $0,
                node: nodes[FanOutScenario.node(of: $0, among: nodes.count)],
                from: nil,
                to: service
            )
        }
        defer { sender.cancel() }
        // A stream that stays quiet past the deadline is closed, which ends the reading below.
        let outbound = publisher.outbound
        let watchdog = Task {
            try await Task.sleep(until: deadline, clock: clock)
            outbound.finish()
        }
        defer { watchdog.cancel() }

        var rtt = LatencyHistogram()
        var results = 0
        var lastResult = start
        while results < scenario.publishes, let stanza = try await publisher.next() {
            guard stanza.name == "iq", let index = FanOutScenario.index(stanza.id, prefix: "p") else { continue }
            guard stanza.type == "result" else { throw BenchError("publish \(index) failed: \(stanza)") }
            rtt.add(clock.now - notifications.sent.time(index))
            results += 1
            lastResult = clock.now
            credit.yield()
        }
        credit.finish()
        let expected = scenario.subscribers * scenario.publishes
        while notifications.count < expected, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        let (count, latency, lastNotification) = notifications.snapshot()
        return FanOutScenario.Result(
            nodes: scenario.nodes,
            subscribers: scenario.subscribers,
            publishes: scenario.publishes,
            window: scenario.window,
            rate: scenario.rate,
            seconds: FanOutScenario.seconds(max(lastResult, lastNotification ?? start) - start),
            publishesPerSecond: Double(results) / FanOutScenario.seconds(lastResult - start),
            notificationsPerSecond: count == 0
                ? 0 : Double(count) / FanOutScenario.seconds((lastNotification ?? start) - start),
            notificationsExpected: expected,
            notificationsLost: expected - count,
            publishRTT: rtt.percentiles([0.5, 0.99, 0.999]),
            notificationLatency: latency.percentiles([0.5, 0.99, 0.999])
        )
    }

    /// The notifications the subscribers' tasks have received, with their latencies.
    final class Notifications: Sendable {
        let sent: SentTimes
        private let state = NIOLockedValueBox(
            (count: 0, latency: LatencyHistogram(), last: ContinuousClock.Instant?.none)
        )

        init(sent: SentTimes) {
            self.sent = sent
        }

        func arrived(_ index: Int) {
            let now = ContinuousClock.now
            let latency = now - self.sent.time(index)
            self.state.withLockedValue { state in
                state.count += 1
                state.latency.add(latency)
                state.last = now
            }
        }

        var count: Int { self.state.withLockedValue { $0.count } }

        func snapshot() -> (count: Int, latency: LatencyHistogram, last: ContinuousClock.Instant?) {
            self.state.withLockedValue { ($0.count, $0.latency, $0.last) }
        }
    }
}
