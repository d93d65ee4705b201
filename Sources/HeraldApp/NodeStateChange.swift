/// One announcement on PostgreSQL's `herald_node_changes` channel (migration 0009): the node whose
/// configuration, affiliations or subscriptions changed, and the name of the Herald process that
/// wrote the change, empty for any other writer.
struct NodeStateChange {
    let writer: String
    let node: String

    /// The payload is `<writer> <node>`; a writer's name holds no space, a NodeID may.
    init(payload: String) {
        if let space = payload.firstIndex(of: " ") {
            self.writer = String(payload[..<space])
            self.node = String(payload[payload.index(after: space)...])
        } else {
            (self.writer, self.node) = ("", payload)
        }
    }
}
