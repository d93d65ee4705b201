package import XMPPCore

/// A subscription of one JID to one node (XEP-0060 §4.2).
package struct Subscription: Sendable, Hashable {
    package var node: String
    /// The JID notifications go to, as the subscriber gave it (usually bare).
    package var jid: JID
    /// The SubID (XEP-0060 §6.1.6), unique per node.
    package var id: String
    package var state: SubscriptionState

    package init(node: String, jid: JID, id: String, state: SubscriptionState = .subscribed) {
        self.node = node
        self.jid = jid
        self.id = id
        self.state = state
    }
}

/// XEP-0060 §4.2 subscription states.
package enum SubscriptionState: String, Sendable, Hashable {
    case none, pending, unconfigured, subscribed
}
