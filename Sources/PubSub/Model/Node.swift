/// A pubsub leaf node.
package struct Node: Sendable, Hashable {
    /// The NodeID, unique within the service.
    package var id: String
    package var configuration: NodeConfiguration

    package init(id: String, configuration: NodeConfiguration = NodeConfiguration()) {
        self.id = id
        self.configuration = configuration
    }
}
