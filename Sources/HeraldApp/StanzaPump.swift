import Logging
import PubSub
import ServiceLifecycle
import XMPPComponent
import XMPPCore

/// Moves stanzas from the component to the pubsub service and its answers back.
///
/// Stanzas are handled one at a time, in arrival order, which gives per-node notification order
/// for free; the store round trip bounds throughput (lanes per node are the planned next step).
/// On graceful shutdown it stops taking new stanzas but answers every one already received
/// (RFC 6120 §8.2.3: each IQ gets a reply); those arriving later are refused by the queue.
struct StanzaPump: Service {
    let connection: ComponentConnection
    let service: PubSubService
    let logger: Logger
    let metrics = StanzaMetrics()
    /// Work that must finish before the first stanza is handled (migrations).
    let prepare: @Sendable () async throws -> Void

    func run() async throws {
        // Once the pump stops, nobody reads the queue: release the component's reader.
        defer { self.connection.inbound.finish() }
        do {
            try await self.prepare()
        } catch is CancellationError where Task.isShuttingDownGracefully {
            return  // stopped while waiting for the database: nothing was taken, nothing to answer
        }
        self.logger.info("herald ready", metadata: ["xmpp.domain": "\(self.service.domain)"])
        await withGracefulShutdownHandler {
            let clock = ContinuousClock()
            for await stanza in self.connection.inbound {
                let start = clock.now
                let outcome = await self.service.handle(stanza)
                let handled = clock.now
                self.metrics.handled(stanza, outcome, duration: handled - start)
                var replies = 0
                if let reply = outcome.reply, await self.send(reply) {
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
                    dropped: (outcome.reply == nil ? 0 : 1) - replies + outcome.notifications.count - notifications,
                    fanOut: clock.now - fanOutStart
                )
            }
        } onGracefulShutdown: {
            self.connection.inbound.finish()
        }
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
