import Foundation
import NIOCore
import NIOPosix

/// A client's stream to Prosody (RFC 6120), for `--through-prosody`: connects on loopback, logs in
/// with SASL and binds a resource, then hands the stream to the caller.
///
/// Without TLS: the stack's bench hosts allow it on loopback (Deploy/local/stack.sh), so that
/// Prosody's one core goes to routing stanzas for both services compared, not to encryption.
enum ClientStream {
    enum Login: Sendable {
        case anonymous
        case plain(user: String, password: String)
    }

    /// Connects to `port`, logs in to `domain` and runs `body` with the stream and the bound JID;
    /// the connection closes when `body` returns.
    static func session<T: Sendable>(
        port: Int,
        domain: String,
        login: Login,
        _ body: (inout BenchSession, String) async throws -> T
    ) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(StanzaScanner()))
                    return try NIOAsyncChannel<[BenchStanza], ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var session = BenchSession(channel.channel, reads: inbound.makeAsyncIterator(), outbound: outbound)
            try await Self.open(&session, domain: domain)
            try await session.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' \(Self.mechanism(login))</auth>")
            let outcome = try await Self.expect(&session)
            guard outcome.name == "success" else { throw BenchError("\(domain) refused the login: \(outcome)") }
            try await Self.open(&session, domain: domain)
            try await session.send(
                "<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>bench</resource>"
                    + "</bind></iq>"
            )
            let bound = try await Self.expect(&session)
            guard bound.name == "iq", bound.id == "bind", bound.type == "result", !bound.text.isEmpty else {
                throw BenchError("\(domain) did not bind a resource: \(bound)")
            }
            return try await body(&session, bound.text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// The `mechanism` attribute, the end of the `<auth>` start tag and its initial response.
    private static func mechanism(_ login: Login) -> String {
        switch login {
        case .anonymous:
            // RFC 6120 §6.4.2: "=" is an empty initial response.
            return "mechanism='ANONYMOUS'>="
        case .plain(let user, let password):
            // RFC 4616: no authorization identity, NUL, user, NUL, password.
            let response = [0] + Array(user.utf8) + [0] + Array(password.utf8)
            return "mechanism='PLAIN'>" + Data(response).base64EncodedString()
        }
    }

    /// Sends a stream header and reads the server's header and features.
    private static func open(_ session: inout BenchSession, domain: String) async throws {
        try await session.send(
            "<?xml version='1.0'?><stream:stream to='\(domain)' version='1.0' xmlns='jabber:client' "
                + "xmlns:stream='http://etherx.jabber.org/streams'>"
        )
        let header = try await Self.expect(&session)
        guard header.name == "stream" else { throw BenchError("\(domain) did not open a stream: \(header)") }
        let features = try await Self.expect(&session)
        guard features.name == "features" else { throw BenchError("\(domain) sent no stream features: \(features)") }
    }

    private static func expect(_ session: inout BenchSession) async throws -> BenchStanza {
        guard let stanza = try await session.next() else { throw BenchError("Prosody closed the client stream") }
        return stanza
    }
}
