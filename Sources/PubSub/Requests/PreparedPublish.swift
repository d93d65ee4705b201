import XMPPCore

/// A publish that passed every check (§7.1.3): what it stores, to whom it answers, and who is
/// notified, all known before the commit, so that answering after it needs no further read.
struct PreparedPublish: Sendable {
    var iq: IQ
    var node: Node
    /// Nil for a notification-only publish to a node without items.
    var item: Item?
    /// The node's subscriptions, when it delivers notifications.
    var subscriptions: [Subscription]

    /// What the store must write before the publish is answered; nil when the node keeps no items.
    var publication: Publication? {
        guard let item, self.node.configuration.persistItems else { return nil }
        return Publication(node: self.node.id, item: item)
    }
}
