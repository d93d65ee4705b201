import Foundation
import NIOCore
import NIOPosix

/// A scripted XEP-0114 server peer on 127.0.0.1, for the fault cases a real server cannot be made
/// to produce on demand (stalling before the handshake, observing keepalive bytes). Interop tests
/// cover the normal path against a real Prosody.
final class ScriptedComponentServer: Sendable {
    /// One accepted TCP connection, as the test sees it; used by one task.
    final class Connection {
        private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        /// Bytes read but not yet returned.
        private var pending = ""

        init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
            self.iterator = inbound.makeAsyncIterator()
            self.outbound = outbound
        }

        func write(_ text: String) async throws {
            try await self.outbound.write(ByteBuffer(string: text))
        }

        /// Reads up to and including `text`, or everything until the connection ends.
        func read(until text: String) async throws -> String {
            while !self.pending.contains(text) {
                guard let buffer = try await self.iterator.next(isolation: #isolation) else { break }
                self.pending += String(buffer: buffer)
            }
            guard let range = self.pending.range(of: text) else {
                defer { self.pending = "" }
                return self.pending
            }
            let result = String(self.pending[..<range.upperBound])
            self.pending = String(self.pending[range.upperBound...])
            return result
        }

        /// Reads until at least `count` characters have arrived.
        func read(atLeast count: Int) async throws -> String {
            while self.pending.count < count {
                guard let buffer = try await self.iterator.next(isolation: #isolation) else { break }
                self.pending += String(buffer: buffer)
            }
            defer { self.pending = "" }
            return self.pending
        }

        /// Plays the server side of a successful XEP-0114 handshake.
        func acceptHandshake() async throws {
            _ = try await self.read(until: "to='pubsub.localhost'>")
            try await self.write(
                "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' "
                    + "from='pubsub.localhost' id='3BF96D32'>"
            )
            _ = try await self.read(until: "</handshake>")
            try await self.write("<handshake/>")
        }
    }

    private let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    let port: Int

    init() async throws {
        self.channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
                }
            }
        self.port = self.channel.channel.localAddress?.port ?? 0
    }

    /// Runs `body` with each accepted connection in turn, until `body` returns false.
    func withConnections(_ body: (Connection) async throws -> Bool) async throws {
        try await self.channel.executeThenClose { connections in
            for try await connection in connections {
                var keepGoing = true
                do {
                    try await connection.executeThenClose { inbound, outbound in
                        keepGoing = try await body(Connection(inbound: inbound, outbound: outbound))
                    }
                } catch ChannelError.ioOnClosedChannel {
                    // The component closed the connection first (e.g. after its handshake deadline):
                    // closing our side then finds it closed, which is what the test provoked.
                }
                if !keepGoing { return }
            }
        }
    }
}
