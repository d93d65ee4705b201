import Logging
import XMPPCore

/// XEP-0030 discovery of the service, its nodes and their items (XEP-0060 §5).
extension PubSubService {
    /// Features Herald really implements; a feature is listed only once its use case works.
    static let features: [String] = [
        Namespace.discoInfo,
        Namespace.discoItems,
        Namespace.ping,
        Namespace.pubsub,
        Namespace.pubsub + "#access-open",
        Namespace.pubsub + "#create-and-configure",
        Namespace.pubsub + "#create-nodes",
        Namespace.pubsub + "#delete-items",
        Namespace.pubsub + "#instant-nodes",
        Namespace.pubsub + "#item-ids",
        Namespace.pubsub + "#persistent-items",
        Namespace.pubsub + "#publish",
        Namespace.pubsub + "#retract-items",
        Namespace.pubsub + "#retrieve-items",
        Namespace.pubsub + "#subscribe",
    ]

    func discoInfo(_ iq: IQ, query: XMLElement) async throws -> XMLElement {
        var reply = XMLElement("query", namespace: Namespace.discoInfo)
        if let nodeID = query[attribute: "node"] {
            // XEP-0060 §5.3: a node's identity tells whether it is a leaf or a collection.
            guard try await self.store.node(nodeID) != nil else { throw PubSubErrors.nodeNotFound }
            reply[attribute: "node"] = nodeID
            reply.append(
                XMLElement(
                    "identity",
                    namespace: Namespace.discoInfo,
                    attributes: ["category": "pubsub", "type": "leaf"]
                )
            )
            reply.append(XMLElement("feature", namespace: Namespace.discoInfo, attributes: ["var": Namespace.pubsub]))
        } else {
            reply.append(
                XMLElement(
                    "identity",
                    namespace: Namespace.discoInfo,
                    attributes: ["category": "pubsub", "type": "service", "name": "Herald"]
                )
            )
            for feature in Self.features {
                reply.append(XMLElement("feature", namespace: Namespace.discoInfo, attributes: ["var": feature]))
            }
        }
        return iq.result(reply)
    }

    func discoItems(_ iq: IQ, query: XMLElement) async throws -> XMLElement {
        var reply = XMLElement("query", namespace: Namespace.discoItems)
        let service = self.domain.description
        if let nodeID = query[attribute: "node"] {
            // XEP-0060 §5.5: a leaf node's items are listed by ItemID in the `name` attribute.
            guard try await self.store.node(nodeID) != nil else { throw PubSubErrors.nodeNotFound }
            reply[attribute: "node"] = nodeID
            for itemID in try await self.store.itemIDs(node: nodeID) {
                reply.append(
                    XMLElement("item", namespace: Namespace.discoItems, attributes: ["jid": service, "name": itemID])
                )
            }
        } else {
            for node in try await self.store.nodes() {
                reply.append(
                    XMLElement(
                        "item",
                        namespace: Namespace.discoItems,
                        attributes: ["jid": service, "node": node.id, "name": node.configuration.title]
                    )
                )
            }
        }
        return iq.result(reply)
    }
}
