import NIOCore
import NIOPosix
import XMPPComponent
import XMPPCore

/// The XMPP server's side of XEP-0114 on loopback: accepts Herald's component connection,
/// checks its handshake, then lets the scenario send stanzas and read what Herald sends back.
final class BenchServer: Sendable {
    let domain: String
    let secret: String
    private let server: NIOAsyncChannel<NIOAsyncChannel<XMLStreamEvent, ByteBuffer>, Never>

    /// Listens on 127.0.0.1 at `port` (0: a free port; see `port`).
    init(domain: String, secret: String, port: Int) async throws {
        self.domain = domain
        self.secret = secret
        self.server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(XMLStreamDecoder(limits: ParserLimits(maxStanzaBytes: 16 << 20)))
                    )
                    return try NIOAsyncChannel<XMLStreamEvent, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    var port: Int { self.server.channel.localAddress?.port ?? 0 }

    /// Waits for Herald to connect and authenticate, then runs `body` with the session.
    func accept<T: Sendable>(
        _ body: (BenchSession) async throws -> T
    ) async throws -> T {
        try await self.server.executeThenClose { connections in
            var iterator = connections.makeAsyncIterator()
            guard let connection = try await iterator.next() else { throw BenchError("no component connected") }
            return try await connection.executeThenClose { inbound, outbound in
                var events = inbound.makeAsyncIterator()
                guard case .streamOpened(let header)? = try await events.next(),
                    header[attribute: "to"] == self.domain
                else { throw BenchError("the component did not open a stream to \(self.domain)") }
                let streamID = "bench-stream"
                try await outbound.write(
                    ByteBuffer(
                        string: "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
                            + "xmlns:stream='http://etherx.jabber.org/streams' from='\(self.domain)' id='\(streamID)'>"
                    )
                )
                guard case .element(let handshake)? = try await events.next(), handshake.name == "handshake",
                    handshake.text == Handshake.digest(streamID: streamID, secret: self.secret)
                else { throw BenchError("the component's handshake is wrong") }
                try await outbound.write(ByteBuffer(string: "<handshake/>"))
                return try await body(BenchSession(events: events, outbound: outbound))
            }
        }
    }
}

/// An authenticated component stream: stanzas to Herald (`outbound` may be used from any task),
/// stanzas from it (read by the task that runs the scenario).
struct BenchSession {
    var events: NIOAsyncChannelInboundStream<XMLStreamEvent>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    /// Writes stanzas already serialized, as one buffer.
    func send(_ xml: String) async throws {
        try await self.outbound.write(ByteBuffer(string: xml))
    }

    /// The next stanza from Herald; nil when the stream ended.
    mutating func next() async throws -> XMLElement? {
        while let event = try await self.events.next(isolation: #isolation) {
            switch event {
            case .element(let stanza): return stanza
            case .streamClosed: return nil
            case .streamOpened: continue
            }
        }
        return nil
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
