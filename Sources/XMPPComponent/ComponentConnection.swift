package import Logging
import Metrics
import NIOConcurrencyHelpers
package import NIOCore
import NIOPosix
import ServiceLifecycle
package import XMPPCore

/// Herald's XEP-0114 link to its XMPP server: connects, authenticates, reconnects after drops,
/// keeps the stream alive and closes it cleanly on graceful shutdown.
///
/// Inbound stanzas arrive on `inbound` (bounded; reading pauses while it is full); `send` writes
/// one stanza and suspends while the socket is not writable.
package final class ComponentConnection: Service, Sendable {
    private enum Link {
        /// No stream is established; sends fail.
        case disconnected
        /// Stanzas may be written.
        case established(NIOAsyncChannelOutboundWriter<ByteBuffer>)
        /// Our `</stream:stream>` is sent or about to be; sends fail.
        case closing
    }

    private struct Shared {
        var link: Link = .disconnected
        var sessionsEstablished = 0
    }

    private let configuration: ComponentConfiguration
    private let logger: Logger
    /// The loop the component's socket is on, across reconnects; the pump runs there too.
    package let executor: EventLoopTaskExecutor
    private let shared = NIOLockedValueBox(Shared())
    private let requests = OutboundRequests()

    /// Stanzas from the server, in arrival order, across reconnects; ends when `run()` returns.
    package let inbound: BoundedStanzaQueue

    /// Whether a stream is established and stanzas can be sent (readiness).
    package var isEstablished: Bool {
        self.shared.withLockedValue { shared in
            if case .established = shared.link { true } else { false }
        }
    }

    /// How many streams were established so far: a new number is a new stream.
    package var streamsEstablished: Int {
        self.shared.withLockedValue { $0.sessionsEstablished }
    }

    package init(configuration: ComponentConfiguration, logger: Logger, eventLoopGroup: any EventLoopGroup) {
        self.configuration = configuration
        self.logger = logger
        self.executor = EventLoopTaskExecutor(eventLoopGroup.next())
        self.inbound = BoundedStanzaQueue(capacity: configuration.inboundQueueCapacity)
    }

    /// Sends one stanza; it must carry `from` and `to` (XEP-0114 §3).
    package func send(_ stanza: XMLElement) async throws(ComponentError) {
        try await self.send(CollectionOfOne(stanza))
    }

    /// Sends stanzas in order, each with `from` and `to`. They are serialized into buffers of about
    /// `chunkBytes`, written one at a time: each write waits while the socket is not writable, so
    /// a slow server holds back a large fan-out instead of letting it pile up in memory.
    package func send(_ stanzas: some Sequence<XMLElement>) async throws(ComponentError) {
        let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>? = self.shared.withLockedValue { shared in
            if case .established(let writer) = shared.link { writer } else { nil }
        }
        guard let writer else {
            throw ComponentError(.notConnected, "no component stream is established")
        }
        var chunk: [UInt8] = []
        do {
            for stanza in stanzas {
                XMLSerializer.write(stanza, inheritedNamespace: Namespace.component, into: &chunk)
                if chunk.count >= Self.chunkBytes {
                    try await writer.write(ByteBuffer(bytes: chunk))
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if !chunk.isEmpty {
                try await writer.write(ByteBuffer(bytes: chunk))
            }
        } catch {
            throw ComponentError(.connectionClosed, "the component stream closed before the stanzas were written")
        }
    }

    /// About how many bytes of stanzas go into one write.
    static let chunkBytes = 64 * 1024

    /// Sends an IQ get or set and returns its result or error IQ (matched by id), or throws
    /// `requestTimedOut`. Answers bypass `inbound`.
    package func request(_ iq: XMLElement, timeout: Duration = .seconds(5)) async throws -> XMLElement {
        guard let id = iq[attribute: "id"], let to = iq[attribute: "to"] else {
            throw ComponentError(.protocolViolation, "an IQ request needs an id and an addressee")
        }
        return try await self.requests.answer(id: id, from: to, timeout: timeout) { try await self.send(iq) }
    }

    package func run() async throws {
        try await withTaskExecutorPreference(self.executor) { try await self.reconnecting() }
    }

    private func reconnecting() async throws {
        defer { self.inbound.finish() }
        let backoff = BackoffPolicy(
            initialDelay: self.configuration.reconnectInitialDelay,
            maximumDelay: self.configuration.reconnectMaximumDelay
        )
        var random = SystemRandomNumberGenerator()
        var attempt = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let establishedBefore = self.shared.withLockedValue { $0.sessionsEstablished }
            do {
                try await self.runSession()
                return
            } catch let error as ComponentError where error.isFatal {
                self.logger.error("component connection refused", metadata: ["xmpp.error": "\(error)"])
                throw error
            } catch {
                self.logger.warning(
                    "component connection lost",
                    metadata: [
                        "xmpp.error": "\(error)", "xmpp.host": "\(self.configuration.host)",
                        "xmpp.port": "\(self.configuration.port)",
                    ]
                )
            }
            let wasEstablished = self.shared.withLockedValue { $0.sessionsEstablished } > establishedBefore
            attempt = wasEstablished ? 1 : attempt + 1
            let delay = backoff.delay(attempt: attempt, using: &random)
            self.logger.info(
                "component reconnecting",
                metadata: ["xmpp.attempt": "\(attempt)", "xmpp.delay": "\(delay)"]
            )
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            } catch {
                return
            }
        }
    }

    /// One TCP connection, from connect to close. Returns after a clean close we asked for; throws otherwise.
    private func runSession() async throws {
        let limits = self.configuration.parserLimits
        let channel = try await ClientBootstrap(group: self.executor.eventLoop)
            .connectTimeout(TimeAmount(self.configuration.connectTimeout))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(host: self.configuration.host, port: self.configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(XMLStreamDecoder(limits: limits))
                    )
                    return try NIOAsyncChannel<XMLStreamEvent, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let underlying = channel.channel
        defer { self.shared.withLockedValue { $0.link = .disconnected } }
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await self.sendKeepalives(outbound) }
                group.addTask { try await self.closeUnlessEstablished(channel: underlying) }
                group.addTask { await self.closeOnGracefulShutdown(outbound, channel: underlying) }
                defer { group.cancelAll() }
                try await self.readStream(inbound, outbound)
            }
        }
    }

    private func readStream(
        _ inbound: NIOAsyncChannelInboundStream<XMLStreamEvent>,
        _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async throws {
        var machine = ComponentSessionStateMachine(domain: self.configuration.domain, secret: self.configuration.secret)
        var action = machine.connected()
        var iterator = inbound.makeAsyncIterator()
        while true {
            switch action {
            case .sendStreamHeader(let header):
                try await outbound.write(ByteBuffer(string: header))
            case .sendHandshake(let digest):
                try await outbound.write(ByteBuffer(string: "<handshake>\(digest)</handshake>"))
            case .reportEstablished:
                let sessions = self.shared.withLockedValue {
                    $0.link = .established(outbound)
                    $0.sessionsEstablished += 1
                    return $0.sessionsEstablished
                }
                if sessions > 1 {
                    Counter(label: "herald_component_reconnects_total").increment()
                }
                self.logger.info("component connected", metadata: ["xmpp.domain": "\(self.configuration.domain)"])
            case .deliver(let stanza):
                if !self.requests.claim(stanza) {
                    await self.inbound.push(stanza)
                }
            case .sendStreamErrorAndClose(let streamError, let error):
                let bytes = XMLSerializer.serialize(streamError.element, inheritedNamespace: Namespace.component)
                try? await outbound.write(ByteBuffer(string: bytes + "</stream:stream>"))
                throw error
            case .closeConnection(let error):
                if let error { throw error }
                self.logger.info("component stream closed", metadata: ["xmpp.domain": "\(self.configuration.domain)"])
                return
            case .none:
                break
            }
            let event: XMLStreamEvent?
            do {
                event = try await iterator.next()
            } catch let error as XMLStreamError {
                action = machine.parseFailed(error)
                continue
            }
            if Task.isShuttingDownGracefully {
                // closeOnGracefulShutdown writes our close; the machine only needs to know.
                machine.shutdownStarted()
            }
            guard let event else {
                action = machine.connectionLost()
                if action == .none { return }  // we were closing: the end of the connection is the end of the session
                continue
            }
            action = machine.eventReceived(event)
        }
    }

    /// A server that accepts TCP but never completes the handshake must not hold Herald forever.
    private func closeUnlessEstablished(channel: any Channel) async throws {
        try await Task.sleep(for: self.configuration.handshakeTimeout)
        let established = self.shared.withLockedValue { if case .disconnected = $0.link { false } else { true } }
        if !established {
            self.logger.warning(
                "component handshake timed out",
                metadata: ["xmpp.timeout": "\(self.configuration.handshakeTimeout)"]
            )
            channel.close(promise: nil)
        }
    }

    private func sendKeepalives(_ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
        // RFC 6120 §4.6.1: whitespace between stanzas keeps NATs and the server's idle timers happy.
        while true {
            try await Task.sleep(for: self.configuration.keepaliveInterval)
            let established = self.shared.withLockedValue { if case .established = $0.link { true } else { false } }
            if established {
                try await outbound.write(ByteBuffer(string: " "))
            }
        }
    }

    private func closeOnGracefulShutdown(
        _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        channel: any Channel
    ) async {
        do {
            try await gracefulShutdown()
        } catch {
            return  // the session ended first
        }
        let wasEstablished = self.shared.withLockedValue { shared in
            guard case .established = shared.link else { return false }
            shared.link = .closing
            return true
        }
        if wasEstablished {
            try? await outbound.write(ByteBuffer(string: "</stream:stream>"))
            // RFC 6120 §4.4: wait a while for the server's close, then close anyway.
            try? await Task.sleep(for: self.configuration.closeTimeout)
        }
        channel.close(promise: nil)
    }
}
