package import XMPPCore

/// One contact of a roster (RFC 6121 §2.1.2), as far as access models need it.
package struct RosterItem: Sendable, Hashable {
    package var jid: JID
    /// `none`, `to`, `from` or `both`.
    package var subscription: String
    package var groups: [String]

    package init(jid: JID, subscription: String, groups: [String] = []) {
        self.jid = jid
        self.subscription = subscription
        self.groups = groups
    }

    /// The contact receives the roster owner's presence (RFC 6121 §3).
    var receivesPresence: Bool { self.subscription == "from" || self.subscription == "both" }
}
