import Logging
import XMPPCore

/// XEP-0060 §6.5: retrieve all, the newest N, or specific items of a node.
extension PubSubService {
    func retrieveItems(_ iq: IQ, items request: XMLElement) async throws -> XMLElement {
        guard let nodeID = request[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        var limit: Int?
        if let maxItems = request[attribute: "max_items"] {
            guard let count = Int(maxItems), count > 0 else {
                throw PubSubErrors.badRequest("max_items must be a positive integer")
            }
            limit = count
        }
        guard let node = try await self.store.node(nodeID) else { throw PubSubErrors.nodeNotFound }
        switch node.configuration.accessModel {
        case .open:
            break
        }
        let ids = request.elements.filter { $0.name == "item" && $0.namespace == Namespace.pubsub }.compactMap {
            $0[attribute: "id"]
        }
        let items =
            ids.isEmpty
            ? try await self.store.items(node: nodeID, limit: limit)
            : try await self.store.items(node: nodeID, ids: ids)
        var list = XMLElement("items", namespace: Namespace.pubsub, attributes: ["node": nodeID])
        for item in items {
            list.append(EventNotification.itemElement(item, namespace: Namespace.pubsub))
        }
        return iq.result(XMLElement("pubsub", namespace: Namespace.pubsub, attributes: [:], children: [list]))
    }
}
