package import XMPPCore

/// What handling one inbound stanza produced: at most one reply, and the notifications it caused.
package struct PubSubOutcome: Sendable, Hashable {
    /// The IQ result or error, or the error answering a refused message; nil for stanzas that get
    /// no answer (results, errors, presence, most messages).
    package var reply: XMLElement?
    /// Stanzas to send after the reply, in order: event messages, and presence answering presence.
    package var notifications: [XMLElement]

    package init(reply: XMLElement?, notifications: [XMLElement] = []) {
        self.reply = reply
        self.notifications = notifications
    }

    package static let none = PubSubOutcome(reply: nil)
}
