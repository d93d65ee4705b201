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

    /// CPU time of the processes measured: Herald's (none for mod_pubsub) and Prosody's.
    struct CPUTimes: Sendable {
        var herald: Double?
        var prosody: Double
    }

    /// What a run measured, and the CPU time spent over the measurement.
    struct Measured: Sendable {
        var result: FanOutScenario.Result
        var cpu: CPUTimes
    }

    /// Sets up, measures and deletes the run's nodes at `service`; `cpu` samples the CPU time of
    /// the processes measured.
    func run(service: String, run: String, cpu: @Sendable () throws -> CPUTimes) async throws -> Measured {
        let nodes = self.scenario.nodeNames(run: run)
        let measured: Result<Measured, any Error>
        do {
            measured = .success(try await self.measured(nodes, at: service, cpu: cpu))
        } catch {
            measured = .failure(error)
        }
        // Deleted on a stream of its own: the measurement's may have been closed at its timeout.
        do {
            try await self.publisherSession {
                try await FanOutScenario.each(.delete, of: nodes, &$0, from: nil, to: service)
            }
        } catch {
            // A failed measurement's error is the one worth reporting.
            if case .success = measured { throw error }
        }
        return try measured.get()
    }

    private func measured(
        _ nodes: [String],
        at service: String,
        cpu: @Sendable () throws -> CPUTimes
    )
        async throws -> Measured
    {
        try await self.publisherSession { publisher in
            try await Self.awaitService(service, &publisher)
            try await FanOutScenario.each(.create, of: nodes, &publisher, from: nil, to: service)
            let notifications = Notifications(sent: SentTimes(count: self.scenario.publishes))
            return try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                try await self.subscribe(nodes, at: service, in: &group, counting: notifications)
                let before = try cpu()
                let result = try await self.measure(&publisher, nodes: nodes, service: service, notifications)
                let after = try cpu()
                if let failure = notifications.failure { throw failure }
                let herald = after.herald.flatMap { after in before.herald.map { after - $0 } }
                return Measured(result: result, cpu: CPUTimes(herald: herald, prosody: after.prosody - before.prosody))
            }
        }
    }

    private func publisherSession<T: Sendable>(_ body: (inout BenchSession) async throws -> T) async throws -> T {
        try await ClientStream.session(
            port: self.port,
            domain: self.domain,
            login: .plain(user: "publisher", password: self.password)
        ) { session, _ in try await body(&session) }
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
        throw BenchError("\(service) did not answer disco#info in 30 s (for Herald: did it start? its log is above)")
    }

    /// Connects the subscribers, 100 at a time, each in a task of `group` (see `subscriber`).
    private func subscribe(
        _ nodes: [String],
        at service: String,
        in group: inout ThrowingTaskGroup<Void, any Error>,
        counting notifications: Notifications
    ) async throws {
        let subscribers = nodes.flatMap { node in Array(repeating: node, count: self.scenario.subscribers) }
        let (events, event) = AsyncStream.makeStream(of: (any Error)?.self)
        var start = 0
        while start < subscribers.count {
            let chunk = subscribers[start..<min(subscribers.count, start + 100)]
            for node in chunk {
                group.addTask {
                    await self.subscriber(of: node, at: service, ready: event, counting: notifications)
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

    /// One subscriber: logs in, subscribes to `node` and says so on `ready` (or yields the error),
    /// then counts its notifications until its task is cancelled.
    private func subscriber(
        of node: String,
        at service: String,
        ready: AsyncStream<(any Error)?>.Continuation,
        counting notifications: Notifications
    ) async {
        var subscribed = false
        do {
            try await ClientStream.session(port: self.port, domain: "guests.\(self.domain)", login: .anonymous) {
                session,
                jid in
                try await session.send(FanOutScenario.subscribe(id: "s", node: node, jid: jid, from: nil, to: service))
                try await FanOutScenario.awaitResults(["s"], &session)
                subscribed = true
                ready.yield(nil)
                var delivered = Set<Int>()
                while let stanza = try await session.next() {
                    if stanza.name == "message", let index = FanOutScenario.index(stanza.itemID, prefix: "i") {
                        if delivered.insert(index).inserted {
                            notifications.arrived(index, at: stanza.arrived)
                        } else {
                            notifications.duplicated()
                        }
                    }
                }
            }
        } catch  where !subscribed {
            ready.yield(error)
        } catch  where !Task.isCancelled {
            notifications.failed(error)
        } catch {
            // Cancelled at the end of the run: the expected way out.
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
        let (sender, credit) = scenario.startPublishing(publisher, sent: notifications.sent, start: start) {
            FanOutScenario.publish(
                index: $0,
                node: nodes[FanOutScenario.node(of: $0, among: nodes.count)],
                from: nil,
                to: service
            )
        }
        defer { sender.cancel() }
        let watchdog = publisher.closing(at: deadline)
        defer { watchdog.cancel() }

        var rtt = LatencyHistogram()
        var results = 0
        var lastResult = start
        while results < scenario.publishes, let stanza = try await publisher.next() {
            guard stanza.name == "iq", let index = FanOutScenario.index(stanza.id, prefix: "p") else { continue }
            guard stanza.type == "result" else { throw BenchError("publish \(index) failed: \(stanza)") }
            rtt.add(stanza.arrived - notifications.sent.time(index))
            results += 1
            lastResult = stanza.arrived
            credit.yield()
        }
        credit.finish()
        // The subscribers' tasks go on counting: the last notifications may still be on their way.
        let expected = scenario.subscribers * scenario.publishes
        while notifications.count < expected, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(2))
        }
        let (count, duplicates, latency, lastNotification) = notifications.snapshot()
        return scenario.result(
            from: start,
            results: results,
            lastResult: lastResult,
            rtt: rtt,
            notifications: count,
            duplicates: duplicates,
            lastNotification: lastNotification ?? start,
            latency: latency
        )
    }

    /// The notifications the subscribers' tasks have received, with their latencies, and the
    /// first failure of a subscriber's stream after it subscribed (the run then fails).
    final class Notifications: Sendable {
        let sent: SentTimes
        private let state = NIOLockedValueBox(
            (
                count: 0, duplicates: 0, latency: LatencyHistogram(), last: ContinuousClock.Instant?.none,
                failure: (any Error)?.none
            )
        )

        init(sent: SentTimes) {
            self.sent = sent
        }

        func arrived(_ index: Int, at instant: ContinuousClock.Instant) {
            let latency = instant - self.sent.time(index)
            self.state.withLockedValue { state in
                state.count += 1
                state.latency.add(latency)
                state.last = max(state.last ?? instant, instant)
            }
        }

        func duplicated() {
            self.state.withLockedValue { $0.duplicates += 1 }
        }

        func failed(_ error: any Error) {
            self.state.withLockedValue { $0.failure = $0.failure ?? error }
        }

        var count: Int { self.state.withLockedValue { $0.count } }

        var failure: (any Error)? { self.state.withLockedValue { $0.failure } }

        func snapshot() -> (count: Int, duplicates: Int, latency: LatencyHistogram, last: ContinuousClock.Instant?) {
            self.state.withLockedValue { ($0.count, $0.duplicates, $0.latency, $0.last) }
        }
    }
}
