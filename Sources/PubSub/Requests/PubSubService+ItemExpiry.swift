import FoundationEssentials
import Logging

/// `pubsub#item_expire`: items older than the node allows are deleted before anything reads the
/// node's items, so none is ever returned or sent after its time.
extension PubSubService {
    func expireItems(of node: Node) async throws {
        guard let seconds = node.configuration.itemExpire else { return }
        let cutoff = self.now().addingTimeInterval(-Double(seconds))
        let expired = try await self.store.expireItems(node: node.id, publishedBefore: cutoff)
        if expired > 0 {
            self.logger.debug("items expired", metadata: ["pubsub.node": "\(node.id)", "pubsub.count": "\(expired)"])
        }
    }
}

extension PubSubService {
    /// Expires items on every node that has `pubsub#item_expire`, for a periodic sweep.
    package func expireItemsEverywhere() async throws {
        for node in try await self.store.nodes() where node.configuration.itemExpire != nil {
            try await self.expireItems(of: node)
        }
    }
}
