import Logging
import PubSub
import XMPPComponent
import XMPPCore

/// Runs requests through the pubsub service one at a time, whether they came over the component
/// stream or the HTTP API, and sends what each produced before the next one starts: the
/// notifications of a node leave in commit order, whichever way its publishes came.
struct PubSubDispatcher: Sendable {
    let connection: ComponentConnection
    let service: PubSubService
    let logger: Logger
    let metrics = StanzaMetrics()
    private let gate = SerialGate()

    init(connection: ComponentConnection, service: PubSubService, logger: Logger) {
        self.connection = connection
        self.service = service
        self.logger = logger
    }

    /// Stanzas from the XMPP server, handled together: their replies go back over the stream.
    /// Outcomes are sent as they come, a few hundred stanzas per write, so a batch never holds
    /// more than one fan-out and one write's worth in memory.
    func dispatch(_ stanzas: [XMLElement]) async {
        await self.gate.run {
            var pending: [PubSubOutcome] = []
            var pendingStanzas = 0
            await self.service.handle(stanzas) { index, outcome, duration in
                self.metrics.handled(stanzas[index], outcome, duration: duration, overStream: true)
                pending.append(outcome)
                pendingStanzas += 1 + outcome.notifications.count
                if pendingStanzas >= Self.stanzasPerSend {
                    await self.send(pending, replyOverStream: true)
                    (pending, pendingStanzas) = ([], 0)
                }
            }
            await self.send(pending, replyOverStream: true)
        }
    }

    /// How many stanzas are gathered before they are sent: about 100 KiB of notifications.
    static let stanzasPerSend = 256

    /// A request made for an HTTP caller: the notifications are sent, the reply is returned.
    /// Throws `SerialGate.NotAdmitted`, without handling it, when the request would wait longer
    /// than `limit` or behind more than `capacity` others: a caller is better told to retry than
    /// left waiting without bound while the XMPP server is slow. `check` runs once the request
    /// holds the gate, just before it is handled; what it throws is thrown, and nothing runs.
    func request(
        _ stanza: XMLElement,
        waitingAtMost limit: Duration,
        capacity: Int,
        check: () throws -> Void
    ) async throws -> PubSubOutcome {
        try await self.gate.run(waitingAtMost: limit, capacity: capacity) {
            try check()
            return await self.handle(stanza, replyOverStream: false)
        }
    }

    /// Handles the stanza and sends what it produced; runs inside the gate.
    private func handle(_ stanza: XMLElement, replyOverStream: Bool) async -> PubSubOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = await self.service.handle(stanza)
        self.metrics.handled(stanza, outcome, duration: clock.now - start, overStream: replyOverStream)
        await self.send([outcome], replyOverStream: replyOverStream)
        return outcome
    }

    /// Sends each outcome's reply (if it goes over the stream) and notifications, in order, in
    /// large writes.
    private func send(_ outcomes: [PubSubOutcome], replyOverStream: Bool) async {
        let clock = ContinuousClock()
        let start = clock.now
        var stanzas: [XMLElement] = []
        var (replies, notifications) = (0, 0)
        for outcome in outcomes {
            if replyOverStream, let reply = outcome.reply {
                stanzas.append(reply)
                replies += 1
            }
            stanzas += outcome.notifications
            notifications += outcome.notifications.count
        }
        guard !stanzas.isEmpty else { return }
        do {
            try await self.connection.send(stanzas)
            self.metrics.sent(replies: replies, notifications: notifications, dropped: 0, fanOut: clock.now - start)
        } catch {
            // The items are committed; a subscriber that missed an event can retrieve it.
            self.logger.warning(
                "stanzas not sent",
                metadata: ["xmpp.stanzas": "\(stanzas.count)", "error": "\(error)"]
            )
            self.metrics.sent(replies: 0, notifications: 0, dropped: stanzas.count, fanOut: clock.now - start)
        }
    }
}
