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

    /// A stanza from the XMPP server: its reply goes back over the stream.
    func dispatch(_ stanza: XMLElement) async {
        _ = await self.gate.run { await self.handle(stanza, replyOverStream: true) }
    }

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
        var replies = 0
        let reply = replyOverStream ? outcome.reply : nil
        if let reply, await self.send(reply) {
            replies = 1
        }
        let fanOutStart = clock.now
        var notifications = 0
        for notification in outcome.notifications where await self.send(notification) {
            notifications += 1
        }
        self.metrics.sent(
            replies: replies,
            notifications: notifications,
            dropped: (reply == nil ? 0 : 1) - replies + outcome.notifications.count - notifications,
            fanOut: clock.now - fanOutStart
        )
        return outcome
    }

    /// False when the stanza could not be written (the stream is down).
    private func send(_ stanza: XMLElement) async -> Bool {
        do {
            try await self.connection.send(stanza)
            return true
        } catch {
            // The item is committed; a subscriber that missed the event can retrieve it.
            self.logger.warning(
                "stanza not sent",
                metadata: [
                    "xmpp.stanza.kind": "\(stanza.name)", "xmpp.to": "\(stanza[attribute: "to"] ?? "")",
                    "error": "\(error)",
                ]
            )
            return false
        }
    }
}
