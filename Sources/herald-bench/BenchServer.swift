import NIOCore
import NIOPosix
import XMPPComponent
import XMPPCore

/// The XMPP server's side of XEP-0114 on loopback: accepts Herald's component connection,
/// checks its handshake, then lets the scenario send stanzas and read what Herald sends back.
final class BenchServer: Sendable {
    let domain: String
    let secret: String
    private let server: NIOAsyncChannel<NIOAsyncChannel<[BenchStanza], ByteBuffer>, Never>

    /// Listens on 127.0.0.1 at `port` (0: a free port; see `port`).
    init(domain: String, secret: String, port: Int) async throws {
        self.domain = domain
        self.secret = secret
        self.server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .bind(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(StanzaScanner()))
                    return try NIOAsyncChannel<[BenchStanza], ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    var port: Int { self.server.channel.localAddress?.port ?? 0 }

    /// Runs `body`, which takes Herald's connections one after the other (one per herald process).
    func accept<T: Sendable>(_ body: (inout Connections) async throws -> T) async throws -> T {
        try await self.server.executeThenClose { connections in
            var accepted = Connections(
                iterator: connections.makeAsyncIterator(),
                domain: self.domain,
                secret: self.secret
            )
            return try await body(&accepted)
        }
    }

    /// Herald's connections, in the order they come.
    struct Connections {
        var iterator: NIOAsyncChannelInboundStream<NIOAsyncChannel<[BenchStanza], ByteBuffer>>.AsyncIterator
        let domain: String
        let secret: String

        /// Waits for the next connection, checks its handshake, and runs `body` with the session;
        /// the connection closes when `body` returns.
        mutating func session<T: Sendable>(_ body: (inout BenchSession) async throws -> T) async throws -> T {
            guard let connection = try await self.iterator.next(isolation: #isolation) else {
                throw BenchError("no component connected")
            }
            let (domain, secret) = (self.domain, self.secret)
            return try await connection.executeThenClose { inbound, outbound in
                var session = BenchSession(connection.channel, reads: inbound.makeAsyncIterator(), outbound: outbound)
                return try await withTaskExecutorPreference(session.executor) {
                    try await Self.handshake(&session, domain: domain, secret: secret)
                    return try await body(&session)
                }
            }
        }

        /// Answers the component's stream header and checks its handshake (XEP-0114 §3).
        private static func handshake(_ session: inout BenchSession, domain: String, secret: String) async throws {
            guard let header = try await session.next(), header.name == "stream", header.to == domain
            else { throw BenchError("the component did not open a stream to \(domain)") }
            let streamID = "bench-stream"
            try await session.send(
                "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
                    + "xmlns:stream='http://etherx.jabber.org/streams' from='\(domain)' id='\(streamID)'>"
            )
            guard let handshake = try await session.next(), handshake.name == "handshake",
                handshake.text == Handshake.digest(streamID: streamID, secret: secret)
            else { throw BenchError("the component's handshake is wrong") }
            try await session.send("<handshake/>")
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
