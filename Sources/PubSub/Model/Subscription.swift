package import XMPPCore

/// A subscription of one JID to one node (XEP-0060 §4.2). A JID may hold several, told apart by SubID.
package struct Subscription: Sendable, Hashable {
    package var node: String
    /// The JID notifications go to, as the subscriber gave it (bare or full).
    package var jid: JID
    /// The SubID (XEP-0060 §6.1.6), unique per node.
    package var id: String
    package var state: SubscriptionState
    package var options: SubscriptionOptions

    package init(
        node: String,
        jid: JID,
        id: String,
        state: SubscriptionState = .subscribed,
        options: SubscriptionOptions = SubscriptionOptions()
    ) {
        self.node = node
        self.jid = jid
        self.id = id
        self.state = state
        self.options = options
    }
}

/// XEP-0060 §4.2 subscription states.
package enum SubscriptionState: String, Sendable, Hashable {
    case none, pending, unconfigured, subscribed
}
