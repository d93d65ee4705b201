/// Service-wide bounds that protect memory and storage.
package struct PubSubLimits: Sendable, Hashable {
    /// Largest serialized item payload (XEP-0060 §7.1.3.4 `payload-too-big`).
    package var maxPayloadBytes: Int
    /// Longest NodeID or ItemID accepted.
    package var maxIDLength: Int
    /// Payload bytes one items reply may carry; older items beyond it are left out (XEP-0060 §6.5.4),
    /// so that a reply stays within what XMPP servers route and what memory allows.
    package var maxReplyBytes: Int
    /// Subscriptions one bare JID may hold across the service (XEP-0060 §6.1.3.9).
    package var maxSubscriptionsPerJID: Int
    /// Longest a request may take, the store included; past it the requester gets a `wait` error
    /// (the database is unreachable or overloaded) and the next stanza is taken.
    package var requestTimeout: Duration
    /// Nodes one bare JID may own (XEP-0060 §8.1.1 `resource-constraint`); administrators are exempt.
    package var maxNodesPerOwner: Int

    package init(
        maxPayloadBytes: Int = 256 * 1024,
        maxIDLength: Int = 1024,
        maxReplyBytes: Int = 1 << 20,
        maxSubscriptionsPerJID: Int = 1000,
        maxNodesPerOwner: Int = 1000,
        requestTimeout: Duration = .seconds(5)
    ) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxIDLength = maxIDLength
        self.maxReplyBytes = maxReplyBytes
        self.maxSubscriptionsPerJID = maxSubscriptionsPerJID
        self.maxNodesPerOwner = maxNodesPerOwner
        self.requestTimeout = requestTimeout
    }
}
