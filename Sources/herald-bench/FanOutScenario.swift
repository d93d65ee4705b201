import NIOConcurrencyHelpers
import NIOCore
import XMPPCore

/// One node, `subscribers` subscribers, `publishes` publishes with `window` in flight: what the
/// issue calls scenario (a), and with no subscribers scenario (d), durable publish throughput.
/// With a `rate`, publishes are paced at that many a second (the window still caps those in
/// flight): scenario (c), latency at a fixed load.
struct FanOutScenario: Sendable {
    var subscribers: Int
    var publishes: Int
    var window: Int
    var rate: Int?
    /// Past this, the run stops and counts what did not arrive as lost.
    var timeout: Duration

    struct Result: Sendable, Codable {
        var subscribers: Int
        var publishes: Int
        var window: Int
        var rate: Int?
        var seconds: Double
        var publishesPerSecond: Double
        var notificationsPerSecond: Double
        var notificationsExpected: Int
        var notificationsLost: Int
        /// Publish request to its result, ms: p50, p99, p99.9.
        var publishRTT: [Double]
        /// Publish request to each notification, ms: p50, p99, p99.9.
        var notificationLatency: [Double]
    }

    private static let pubsub = "http://jabber.org/protocol/pubsub"

    func run(_ session: inout BenchSession, domain: String, run: String) async throws -> Result {
        let node = "bench-\(run)"
        let owner = "owner-\(run)@bench/b"
        try await session.send(
            "<iq type='set' id='create' from='\(owner)' to='\(domain)'>"
                + "<pubsub xmlns='\(Self.pubsub)'><create node='\(node)'/><configure><x xmlns='jabber:x:data' type='submit'>"
                + "<field var='FORM_TYPE' type='hidden'><value>\(Self.pubsub)#node_config</value></field>"
                + "<field var='pubsub#max_items'><value>100</value></field></x></configure></pubsub></iq>"
        )
        try await Self.awaitResults(["create"], &session)
        try await self.subscribe(node: node, run: run, domain: domain, &session)

        let clock = ContinuousClock()
        let sent = SentTimes(count: self.publishes)
        let (credits, credit) = AsyncStream.makeStream(of: Void.self)
        for _ in 0..<self.window { credit.yield() }
        let outbound = session.outbound
        let publishes = self.publishes
        let interval = self.rate.map { Duration.seconds(1) / $0 }
        let start = clock.now
        let sender = Task {
            var index = 0
            for await _ in credits {
                guard index < publishes else { break }
                if let interval {
                    try await Task.sleep(until: start + interval * index, clock: clock)
                }
                sent.record(index, clock.now)
                try await outbound.write(
                    ByteBuffer(
                        string:
                            "<iq type='set' id='p\(index)' from='\(owner)' to='\(domain)'><pubsub xmlns='\(Self.pubsub)'>"
                            + "<publish node='\(node)'><item id='i\(index)'><entry xmlns='urn:herald:bench'>"
                            + "<title>event \(index)</title><body>a small payload of a few dozen bytes</body>"
                            + "</entry></item></publish></pubsub></iq>"
                    )
                )
                index += 1
            }
        }
        defer { sender.cancel() }

        var rtt = Samples()
        var latency = Samples()
        var results = 0
        var notifications = 0
        let expected = self.subscribers * self.publishes
        let deadline = clock.now + self.timeout
        var lastResult = start
        var lastNotification = start
        while results < self.publishes || notifications < expected, clock.now < deadline {
            guard let stanza = try await Self.next(&session, until: deadline) else { break }
            let now = clock.now
            if stanza.name == "iq", let id = stanza.id, id.hasPrefix("p"), let index = Int(id.dropFirst()) {
                guard stanza.type == "result" else {
                    throw BenchError("publish \(index) failed: \(stanza)")
                }
                rtt.add(now - sent.time(index))
                results += 1
                lastResult = now
                credit.yield()
            } else if stanza.name == "message", let id = stanza.itemID, id.hasPrefix("i"),
                let index = Int(id.dropFirst())
            {
                latency.add(now - sent.time(index))
                notifications += 1
                lastNotification = now
            }
        }
        credit.finish()
        let seconds = Self.seconds(max(lastResult, lastNotification) - start)
        return Result(
            subscribers: self.subscribers,
            publishes: self.publishes,
            window: self.window,
            rate: self.rate,
            seconds: seconds,
            publishesPerSecond: Double(results) / Self.seconds(lastResult - start),
            notificationsPerSecond: notifications == 0
                ? 0 : Double(notifications) / Self.seconds(lastNotification - start),
            notificationsExpected: expected,
            notificationsLost: expected - notifications,
            publishRTT: rtt.percentiles([0.5, 0.99, 0.999]),
            notificationLatency: latency.percentiles([0.5, 0.99, 0.999])
        )
    }

    /// Subscribes user0…userN-1 of this run, `window` requests at a time.
    private func subscribe(node: String, run: String, domain: String, _ session: inout BenchSession) async throws {
        var next = 0
        while next < self.subscribers {
            let batch = next..<min(self.subscribers, next + max(self.window, 64))
            var xml = ""
            for index in batch {
                let jid = "user\(index)-\(run)@bench/r"
                xml +=
                    "<iq type='set' id='s\(index)' from='\(jid)' to='\(domain)'><pubsub xmlns='\(Self.pubsub)'>"
                    + "<subscribe node='\(node)' jid='\(jid)'/></pubsub></iq>"
            }
            try await session.send(xml)
            try await Self.awaitResults(Set(batch.map { "s\($0)" }), &session)
            next = batch.upperBound
        }
    }

    /// Reads until every IQ in `ids` has its result; an error result fails the run.
    private static func awaitResults(_ ids: Set<String>, _ session: inout BenchSession) async throws {
        var waiting = ids
        while !waiting.isEmpty {
            guard let stanza = try await session.next() else { throw BenchError("the component stream closed") }
            guard stanza.name == "iq", let id = stanza.id, waiting.contains(id) else { continue }
            guard stanza.type == "result" else {
                throw BenchError("request \(id) failed: \(stanza)")
            }
            waiting.remove(id)
        }
    }

    private static func next(
        _ session: inout BenchSession,
        until deadline: ContinuousClock.Instant
    ) async throws
        -> BenchStanza?
    {
        // A quiet stream past the deadline ends the run; lost notifications are then counted.
        try await session.next()
    }

    private static func seconds(_ duration: Duration) -> Double {
        max(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18, 1e-9)
    }
}

/// When each publish was sent, written by the sender task and read by the reader.
final class SentTimes: Sendable {
    private let times: NIOLockedValueBox<[ContinuousClock.Instant?]>

    init(count: Int) {
        self.times = NIOLockedValueBox(Array(repeating: nil, count: count))
    }

    func record(_ index: Int, _ instant: ContinuousClock.Instant) {
        self.times.withLockedValue { $0[index] = instant }
    }

    func time(_ index: Int) -> ContinuousClock.Instant {
        self.times.withLockedValue { $0[index] } ?? .now
    }
}
