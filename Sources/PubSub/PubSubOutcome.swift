package import XMPPCore

/// What handling one inbound stanza produced: at most one reply, and the notifications it caused.
package struct PubSubOutcome: Sendable, Hashable {
    /// The IQ result or error, or the error answering a refused message; nil for stanzas that get
    /// no answer (results, errors, presence, most messages).
    package var reply: XMLElement?
    /// Stanzas to send after the reply, in order: event messages, and presence answering presence.
    package var notifications: [XMLElement]
    /// For a publish that stored its item: the item's place in the node's publish order, which
    /// the HTTP API reports (XEP-0060 has no place for it in the IQ result).
    package var sequence: Int64?

    package init(reply: XMLElement?, notifications: [XMLElement] = [], sequence: Int64? = nil) {
        self.reply = reply
        self.notifications = notifications
        self.sequence = sequence
    }

    package static let none = PubSubOutcome(reply: nil)
}
