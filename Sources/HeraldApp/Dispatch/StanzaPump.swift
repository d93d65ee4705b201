import Logging
import PubSub
import ServiceLifecycle
import XMPPComponent

/// Moves stanzas from the component to the dispatcher, in arrival order, as many at a time as
/// have arrived (up to `batchLimit`), so that consecutive publishes share one commit.
///
/// On graceful shutdown it stops taking new stanzas but answers every one already received
/// (RFC 6120 §8.2.3: each IQ gets a reply); those arriving later are refused by the queue.
struct StanzaPump: Service {
    let connection: ComponentConnection
    let dispatcher: PubSubDispatcher
    let logger: Logger
    /// Work that must finish before the first stanza is handled (migrations).
    let prepare: @Sendable () async throws -> Void

    /// The most stanzas handled together: bounds a batch's transaction and its burst of output.
    static let batchLimit = 256

    func run() async throws {
        // Once the pump stops, nobody reads the queue: release the component's reader.
        defer { self.connection.inbound.finish() }
        do {
            try await self.prepare()
        } catch is CancellationError where Task.isShuttingDownGracefully {
            return  // stopped while waiting for the database: nothing was taken, nothing to answer
        }
        self.logger.info("herald ready", metadata: ["xmpp.domain": "\(self.dispatcher.service.domain)"])
        await withGracefulShutdownHandler {
            await withTaskExecutorPreference(self.connection.executor) {
                await self.pumpUntilFinished()
            }
        } onGracefulShutdown: {
            self.connection.inbound.finish()
        }
    }

    private func pumpUntilFinished() async {
        while true {
            // Whatever arrived while the previous stanzas were handled is handled together.
            let stanzas = await self.connection.inbound.next(upTo: Self.batchLimit)
            if stanzas.isEmpty { break }
            await self.dispatcher.dispatch(stanzas)
        }
    }
}
