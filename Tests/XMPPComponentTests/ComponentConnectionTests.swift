import Logging
import NIOPosix
import ServiceLifecycleTestKit
import Testing
import XMPPCore

@testable import XMPPComponent

@Suite struct ComponentConnectionTests {
    static func connection(
        port: Int,
        keepalive: Duration = .seconds(60),
        handshakeTimeout: Duration = .seconds(10)
    )
        -> ComponentConnection
    {
        ComponentConnection(
            configuration: ComponentConfiguration(
                host: "127.0.0.1",
                port: port,
                domain: "pubsub.localhost",
                secret: "test",
                keepaliveInterval: keepalive,
                reconnectInitialDelay: .milliseconds(20),
                reconnectMaximumDelay: .milliseconds(50),
                handshakeTimeout: handshakeTimeout,
                closeTimeout: .seconds(2)
            ),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton
        )
    }

    @Test(.timeLimit(.minutes(1))) func sendsTheXEPHandshakeThenStanzasBothWaysThenClosesCleanly() async throws {
        let server = try await ScriptedComponentServer()
        let connection = Self.connection(port: server.port)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await connection.run() }
                try await server.withConnections { peer in
                    let header = try await peer.read(until: "to='pubsub.localhost'>")
                    #expect(header.contains("to='pubsub.localhost'") && header.contains("jabber:component:accept"))
                    try await peer.write(
                        "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='3BF96D32'>"
                    )
                    let handshake = try await peer.read(until: "</handshake>")
                    #expect(handshake == "<handshake>aaee83c26aeeafcbabeabfcbcd50df997e0a2a1e</handshake>")
                    try await peer.write(
                        "<handshake/><message from='a@localhost/x' to='pubsub.localhost'><body>in</body></message>"
                    )

                    let received = try #require(await connection.inbound.next(upTo: 1).first)
                    #expect(received.child("body", namespace: Namespace.component)?.text == "in")

                    let out = XMLElement(
                        "message",
                        namespace: Namespace.component,
                        attributes: ["from": "pubsub.localhost", "to": "a@localhost"]
                    )
                    try await connection.send(out)
                    #expect(
                        try await peer.read(until: "/>") == "<message from=\"pubsub.localhost\" to=\"a@localhost\"/>"
                    )

                    trigger.triggerGracefulShutdown()
                    #expect(try await peer.read(until: "</stream:stream>") == "</stream:stream>")
                    try await peer.write("</stream:stream>")
                    return false
                }
                try await group.next()  // run() returned after the clean close
            }
        }
        await #expect(throws: ComponentError.self) {
            try await connection.send(XMLElement("message", namespace: Namespace.component))
        }
    }

    @Test(.timeLimit(.minutes(1))) func sendsWhitespaceKeepalivesWhenIdle() async throws {
        let server = try await ScriptedComponentServer()
        let connection = Self.connection(port: server.port, keepalive: .milliseconds(100))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.run() }
            try await server.withConnections { peer in
                try await peer.acceptHandshake()
                // Nothing else is sent, so everything arriving now is keepalive whitespace.
                let idle = try await peer.read(atLeast: 3)
                #expect(idle.count >= 3 && idle.allSatisfy { $0 == " " }, "got \(idle.debugDescription)")
                return false
            }
            group.cancelAll()
        }
    }

    @Test(.timeLimit(.minutes(1))) func aServerThatStallsTheHandshakeIsLeftAndRetried() async throws {
        let server = try await ScriptedComponentServer()
        // Long enough for a sanitizer build to finish a real handshake, short enough to keep the test quick.
        let connection = Self.connection(port: server.port, handshakeTimeout: .seconds(1))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await connection.run() }
            var attempts = 0
            try await server.withConnections { peer in
                attempts += 1
                if attempts == 1 {
                    // Say nothing: the component must give up after its handshake deadline.
                    _ = try await peer.read(until: "</handshake>")
                    return true
                }
                try await peer.acceptHandshake()
                return false
            }
            #expect(attempts == 2)
            group.cancelAll()
        }
    }

    @Test(.timeLimit(.minutes(1))) func aRefusedSecretEndsRunWithAFatalError() async throws {
        let server = try await ScriptedComponentServer()
        let connection = Self.connection(port: server.port)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await #expect(throws: ComponentError.self) { try await connection.run() }
            }
            try await server.withConnections { peer in
                _ = try await peer.read(until: "to='pubsub.localhost'>")
                try await peer.write(
                    "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='1'>"
                )
                _ = try await peer.read(until: "</handshake>")
                try await peer.write(
                    "<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>"
                )
                return false
            }
            try await group.waitForAll()
        }
    }
}
