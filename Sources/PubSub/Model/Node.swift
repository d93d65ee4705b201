package import FoundationEssentials
package import XMPPCore

/// A pubsub leaf node.
package struct Node: Sendable, Hashable {
    /// The NodeID, unique within the service.
    package var id: String
    package var configuration: NodeConfiguration
    /// The bare JID that created the node (`pubsub#creator`).
    package var creator: JID
    package var createdAt: Date

    package init(id: String, configuration: NodeConfiguration = NodeConfiguration(), creator: JID, createdAt: Date) {
        self.id = id
        self.configuration = configuration
        self.creator = creator
        self.createdAt = createdAt
    }
}
