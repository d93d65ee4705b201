import XMPPCore

/// A publish that passed every check (§7.1.3): what it stores, and to whom it answers.
struct PreparedPublish {
    var iq: IQ
    var node: Node
    /// Nil for a notification-only publish to a node without items.
    var item: Item?

    /// What the store must write before the publish is answered; nil when the node keeps no items.
    var publication: Publication? {
        guard let item, self.node.configuration.persistItems else { return nil }
        return Publication(node: self.node.id, item: item)
    }
}
