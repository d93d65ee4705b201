package import XMPPCore

/// How Herald connects to its XMPP server as an XEP-0114 component.
package struct ComponentConfiguration: Sendable {
    /// Host of the server's component port.
    package var host: String
    /// The server's component port.
    package var port: Int
    /// The component's domain, such as `pubsub.example.com`.
    package var domain: String
    /// The shared secret of the handshake.
    package var secret: String
    /// Idle time after which a whitespace keepalive is sent.
    package var keepaliveInterval: Duration
    /// Reconnect delays after a drop.
    package var reconnectInitialDelay: Duration
    package var reconnectMaximumDelay: Duration
    /// How long a TCP connect may take.
    package var connectTimeout: Duration
    /// How long the server may take from TCP connect to the handshake ack before Herald reconnects.
    package var handshakeTimeout: Duration
    /// How long to wait for the server's `</stream:stream>` after ours.
    package var closeTimeout: Duration
    /// Limits applied to the server's XML.
    package var parserLimits: ParserLimits
    /// Stanzas read ahead of the application before reading pauses.
    package var inboundQueueCapacity: Int

    package init(
        host: String = "127.0.0.1",
        port: Int = 5347,
        domain: String,
        secret: String,
        keepaliveInterval: Duration = .seconds(60),
        reconnectInitialDelay: Duration = .milliseconds(500),
        reconnectMaximumDelay: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10),
        handshakeTimeout: Duration = .seconds(10),
        closeTimeout: Duration = .seconds(5),
        parserLimits: ParserLimits = ParserLimits(),
        inboundQueueCapacity: Int = 256
    ) {
        self.host = host
        self.port = port
        self.domain = domain
        self.secret = secret
        self.keepaliveInterval = keepaliveInterval
        self.reconnectInitialDelay = reconnectInitialDelay
        self.reconnectMaximumDelay = reconnectMaximumDelay
        self.connectTimeout = connectTimeout
        self.handshakeTimeout = handshakeTimeout
        self.closeTimeout = closeTimeout
        self.parserLimits = parserLimits
        self.inboundQueueCapacity = inboundQueueCapacity
    }
}
