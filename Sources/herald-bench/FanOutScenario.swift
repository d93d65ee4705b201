import NIOConcurrencyHelpers
import NIOCore
import XMPPComponent
import XMPPCore

/// `nodes` nodes with `subscribers` subscribers each, `publishes` publishes with `window` in flight,
/// each to a node drawn at random (reproducibly): what the issue calls scenario (a) with one node,
/// (b) with many, and with no subscribers (d), durable publish throughput. With a `rate`,
/// publishes are paced at that many a second (the window still caps those in flight): scenario
/// (c), latency at a fixed load. With `churn`, subscriber lists change between publishes.
struct FanOutScenario: Sendable {
    var nodes = 1
    var subscribers: Int
    var publishes: Int
    var window: Int
    var rate: Int?
    /// Before every `churn`-th publish, one more JID subscribes to the publish's node and
    /// unsubscribes again: the node's subscriber list changes twice, and is as before when the
    /// publish comes.
    var churn: Int?
    /// Past this, the run stops and counts what did not arrive as lost.
    var timeout: Duration

    struct Result: Sendable, Codable {
        var nodes: Int
        var subscribers: Int
        var publishes: Int
        var window: Int
        var rate: Int?
        var churn: Int?
        var seconds: Double
        var publishesPerSecond: Double
        /// Publishes without a result when the run ended (at its timeout, or the stream closed).
        var publishesUnanswered: Int
        var notificationsPerSecond: Double
        var notificationsExpected: Int
        var notificationsLost: Int
        /// Notifications of an item a subscriber had already received: counted once, so that a
        /// duplicate cannot hide a loss, and a run with any fails.
        var notificationsDuplicated: Int
        /// Publish request to its result, ms: p50, p99, p99.9.
        var publishRTT: [Double]
        /// Publish request to each notification, ms: p50, p99, p99.9.
        var notificationLatency: [Double]
    }

    private static let pubsub = "http://jabber.org/protocol/pubsub"

    /// The nodes of the run named `run`.
    func nodeNames(run: String) -> [String] {
        (0..<self.nodes).map { "bench-\(run)-\($0)" }
    }

    static func owner(run: String) -> String { "owner-\(run)@bench/b" }

    /// Creates the nodes and subscriptions, through Herald; with `seed`, only the first node and its
    /// first subscription, then copies of them straight into PostgreSQL (see `BenchDatabase`).
    func setUp(_ session: inout BenchSession, domain: String, run: String, seed: Bool) async throws {
        let nodes = self.nodeNames(run: run)
        let owner = Self.owner(run: run)
        let created = seed ? Array(nodes.prefix(1)) : nodes
        try await Self.each(.create, of: created, &session, from: owner, to: domain)
        let subscribed =
            seed
            ? (self.subscribers > 0 ? [(0, 0)] : [])
            : nodes.indices.flatMap { node in (0..<self.subscribers).map { (node, $0) } }
        try await Self.inChunks(subscribed, &session) { node, user in
            let jid = Self.subscriber(node: node, user: user, run: run)
            let id = "s\(node)x\(user)"
            return (id, Self.subscribe(id: id, node: nodes[node], jid: jid, from: jid, to: domain))
        }
        if seed {
            try await BenchDatabase.seed(
                template: nodes[0],
                templateSubscriber: Self.subscriber(node: 0, user: 0, run: run),
                names: nodes,
                subscribers: self.subscribers,
                run: run
            )
        }
    }

    /// The node and user of the subscriber whose JID is `jid` (see `subscriber(node:user:run:)`).
    static func subscriber(_ jid: String?) -> (node: Int, user: Int)? {
        guard let jid, jid.first == "u", let x = jid.firstIndex(of: "x"), let dash = jid.firstIndex(of: "-"),
            let node = Int(jid[jid.index(after: jid.startIndex)..<x]),
            let user = Int(jid[jid.index(after: x)..<dash])
        else { return nil }
        return (node, user)
    }

    /// The JID of subscriber `user` of node `node` (the seeder writes the same).
    static func subscriber(node: Int, user: Int, run: String) -> String {
        "u\(node)x\(user)-\(run)@bench/r"
    }

    /// Publishes and counts what comes back.
    func measure(_ session: inout BenchSession, domain: String, run: String) async throws -> Result {
        let nodes = self.nodeNames(run: run)
        let owner = Self.owner(run: run)
        let clock = ContinuousClock()
        let sent = SentTimes(count: self.publishes)
        let start = clock.now
        let churner = "churn-\(run)@bench/c"
        let (sender, credit) = self.startPublishing(session, sent: sent, start: start) { [churn = self.churn] index in
            let node = nodes[Self.node(of: index, among: nodes.count)]
            let publish = Self.publish(index: index, node: node, from: owner, to: domain)
            guard let churn, index % churn == 0 else { return publish }
            return Self.subscribe(id: "c\(2 * index)", node: node, jid: churner, from: churner, to: domain)
                + Self.unsubscribe(id: "c\(2 * index + 1)", node: node, jid: churner, to: domain) + publish
        }
        defer { sender.cancel() }

        let deadline = start + self.timeout
        let watchdog = session.closing(at: deadline)
        defer { watchdog.cancel() }

        var rtt = LatencyHistogram()
        var latency = LatencyHistogram()
        var results = 0
        var notifications = 0
        var duplicates = 0
        var churnerMessages = 0
        let churns = self.churn.map { (self.publishes + $0 - 1) / $0 } ?? 0
        let expected = self.subscribers * self.publishes
        // One bit per subscriber of a node and publish: each publish goes to one node.
        var delivered = [UInt64](repeating: 0, count: (expected + 63) / 64)
        var lastResult = start
        var lastNotification = start
        while results < self.publishes || notifications < expected, let stanza = try await session.next() {
            let now = stanza.arrived
            if stanza.name == "iq", let index = Self.index(stanza.id, prefix: "p") {
                guard stanza.type == "result" else {
                    throw BenchError("publish \(index) failed: \(stanza)")
                }
                rtt.add(now - sent.time(index))
                results += 1
                lastResult = now
                credit.yield()
            } else if stanza.name == "iq", Self.index(stanza.id, prefix: "c") != nil {
                guard stanza.type == "result" else { throw BenchError("a churn request failed: \(stanza)") }
            } else if stanza.name == "message", stanza.to == churner {
                // The node's last item, sent on each subscribe (XEP-0060 §6.1.7): one at most, since
                // the churner unsubscribes before the publish. More means a stale subscriber list.
                churnerMessages += 1
                guard churnerMessages <= churns else {
                    throw BenchError("the churner got \(churnerMessages) messages in \(churns) subscriptions")
                }
            } else if stanza.name == "message", let index = Self.index(stanza.itemID, prefix: "i") {
                guard (0..<self.publishes).contains(index), let (node, user) = Self.subscriber(stanza.to),
                    node == Self.node(of: index, among: self.nodes), (0..<self.subscribers).contains(user)
                else {
                    throw BenchError("notification of item \(index) to \(stanza.to ?? "nobody"), not its subscriber")
                }
                let bit = user * self.publishes + index
                guard delivered[bit / 64] & (1 << (bit % 64)) == 0 else {
                    duplicates += 1
                    continue
                }
                delivered[bit / 64] |= 1 << (bit % 64)
                latency.add(now - sent.time(index))
                notifications += 1
                lastNotification = now
            }
        }
        credit.finish()
        return self.result(
            from: start,
            results: results,
            lastResult: lastResult,
            rtt: rtt,
            notifications: notifications,
            duplicates: duplicates,
            lastNotification: lastNotification,
            latency: latency
        )
    }

    /// The figures of a measurement that started at `start`.
    func result(
        from start: ContinuousClock.Instant,
        results: Int,
        lastResult: ContinuousClock.Instant,
        rtt: LatencyHistogram,
        notifications: Int,
        duplicates: Int,
        lastNotification: ContinuousClock.Instant,
        latency: LatencyHistogram
    ) -> Result {
        let expected = self.subscribers * self.publishes
        return Result(
            nodes: self.nodes,
            subscribers: self.subscribers,
            publishes: self.publishes,
            window: self.window,
            rate: self.rate,
            churn: self.churn,
            seconds: Self.seconds(max(lastResult, lastNotification) - start),
            publishesPerSecond: Double(results) / Self.seconds(lastResult - start),
            publishesUnanswered: self.publishes - results,
            notificationsPerSecond: notifications == 0
                ? 0 : Double(notifications) / Self.seconds(lastNotification - start),
            notificationsExpected: expected,
            notificationsLost: expected - notifications,
            notificationsDuplicated: duplicates,
            publishRTT: rtt.percentiles([0.5, 0.99, 0.999]),
            notificationLatency: latency.percentiles([0.5, 0.99, 0.999])
        )
    }

    /// Starts a task that sends publish `index` for each index in order, from when a credit is
    /// given (the window starts with `window` credits; each result gives one back) and, with a
    /// rate, not before its time. It runs on the session's event loop, so a publish is written
    /// when it is stamped, not after a change of thread. `sent` records when each was due: with a
    /// rate, the time the schedule gave it, so a publish held back (by the window, or by a busy
    /// loop) counts its wait in its latency instead of hiding it; without one, when it left.
    func startPublishing(
        _ session: BenchSession,
        sent: SentTimes,
        start: ContinuousClock.Instant,
        stanza: @escaping @Sendable (Int) -> String
    ) -> (Task<Void, any Error>, AsyncStream<Void>.Continuation) {
        let (credits, credit) = AsyncStream.makeStream(of: Void.self)
        for _ in 0..<self.window { credit.yield() }
        let publishes = self.publishes
        let interval = self.rate.map { Duration.seconds(1) / $0 }
        let outbound = session.outbound
        let loop = session.executor.eventLoop
        let sender = Task(executorPreference: session.executor) {
            let clock = ContinuousClock()
            var index = 0
            for await _ in credits {
                guard index < publishes else { break }
                if let interval {
                    let due = start + interval * index
                    // The loop's own timer: Task.sleep would wake a thread of the global executor first.
                    let wait = due - clock.now
                    if wait > .zero {
                        try await loop.scheduleTask(in: TimeAmount(wait)) {}.futureResult.get()
                        try Task.checkCancellation()
                    }
                    sent.record(index, due)
                } else {
                    sent.record(index, clock.now)
                }
                try await outbound.write(ByteBuffer(string: stanza(index)))
                index += 1
            }
        }
        return (sender, credit)
    }

    /// A request made of each node of a run, as its owner.
    enum NodeRequest {
        /// Creates the node with `max_items` 100.
        case create
        case delete

        func payload(node: String) -> String {
            switch self {
            case .create:
                "<pubsub xmlns='\(FanOutScenario.pubsub)'><create node='\(node)'/><configure>"
                    + "<x xmlns='jabber:x:data' type='submit'>"
                    + "<field var='FORM_TYPE' type='hidden'><value>\(FanOutScenario.pubsub)#node_config</value></field>"
                    + "<field var='pubsub#max_items'><value>100</value></field></x></configure></pubsub>"
            case .delete:
                "<pubsub xmlns='\(FanOutScenario.pubsub)#owner'><delete node='\(node)'/></pubsub>"
            }
        }
    }

    /// Sends `request` for each node, 256 at a time, and waits for the results.
    static func each(
        _ request: NodeRequest,
        of nodes: [String],
        _ session: inout BenchSession,
        from: String?,
        to service: String
    ) async throws {
        try await Self.inChunks(Array(nodes.enumerated()), &session) { index, node in
            (
                "n\(index)",
                "<iq type='set' id='n\(index)'\(Self.attribute("from", from)) to='\(service)'>"
                    + "\(request.payload(node: node))</iq>"
            )
        }
    }

    static func subscribe(id: String, node: String, jid: String, from: String?, to service: String) -> String {
        "<iq type='set' id='\(id)'\(Self.attribute("from", from)) to='\(service)'><pubsub xmlns='\(Self.pubsub)'>"
            + "<subscribe node='\(node)' jid='\(jid)'/></pubsub></iq>"
    }

    static func unsubscribe(id: String, node: String, jid: String, to service: String) -> String {
        "<iq type='set' id='\(id)' from='\(jid)' to='\(service)'><pubsub xmlns='\(Self.pubsub)'>"
            + "<unsubscribe node='\(node)' jid='\(jid)'/></pubsub></iq>"
    }

    /// Publish `index`, with result id `p<index>` and ItemID `i<index>`.
    static func publish(index: Int, node: String, from: String?, to service: String) -> String {
        "<iq type='set' id='p\(index)'\(Self.attribute("from", from)) to='\(service)'><pubsub xmlns='\(Self.pubsub)'>"
            + "<publish node='\(node)'><item id='i\(index)'><entry xmlns='urn:herald:bench'>"
            + "<title>event \(index)</title><body>a small payload of a few dozen bytes</body>"
            + "</entry></item></publish></pubsub></iq>"
    }

    /// A client's stanzas carry no `from`: its server stamps it.
    private static func attribute(_ name: String, _ value: String?) -> String {
        value.map { " \(name)='\($0)'" } ?? ""
    }

    /// The index of a publish's result (`p<index>`) or of a notification's item (`i<index>`).
    static func index(_ id: String?, prefix: Character) -> Int? {
        guard let id, id.first == prefix else { return nil }
        return Int(id.dropFirst())
    }

    /// Sends one request per element, 256 at a time, each chunk once the previous one is answered.
    static func inChunks<Element>(
        _ elements: [Element],
        _ session: inout BenchSession,
        request: (Element) -> (id: String, xml: String)
    ) async throws {
        var start = 0
        while start < elements.count {
            let chunk = elements[start..<min(elements.count, start + 256)].map(request)
            try await session.send(chunk.map(\.xml).joined())
            try await Self.awaitResults(Set(chunk.map(\.id)), &session)
            start += chunk.count
        }
    }

    /// The node of publish `index`: drawn from a fixed sequence (SplitMix64), the same in every run.
    static func node(of index: Int, among count: Int) -> Int {
        guard count > 1 else { return 0 }
        var z = UInt64(index) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(count))
    }

    /// Sends a XEP-0199 ping to the service and waits for its answer: Herald serves requests.
    static func ping(_ session: inout BenchSession, domain: String) async throws {
        try await session.send(
            "<iq type='get' id='ready' from='bench@bench/b' to='\(domain)'><ping xmlns='urn:xmpp:ping'/></iq>"
        )
        try await Self.awaitResults(["ready"], &session)
    }

    /// Reads until every IQ in `ids` has its result; an error result fails the run.
    static func awaitResults(_ ids: Set<String>, _ session: inout BenchSession) async throws {
        var waiting = ids
        while !waiting.isEmpty {
            guard let stanza = try await session.next() else { throw BenchError("the stream closed") }
            guard stanza.name == "iq", let id = stanza.id, waiting.contains(id) else { continue }
            guard stanza.type == "result" else {
                throw BenchError("request \(id) failed: \(stanza)")
            }
            waiting.remove(id)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
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
