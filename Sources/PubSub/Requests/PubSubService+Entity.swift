import XMPPCore

/// XEP-0060 §5.6 and §5.7: an entity's own subscriptions and affiliations, all or for one node.
extension PubSubService {
    func retrieveSubscriptions(_ iq: IQ, request: XMLElement) async throws -> XMLElement {
        let nodeID = request[attribute: "node"]
        let subscriptions = try await self.liveSubscriptions(of: iq.from).filter {
            nodeID == nil || $0.node == nodeID
        }
        let list = XMLElement(
            "subscriptions",
            namespace: Namespace.pubsub,
            attributes: ["node": nodeID],
            children: subscriptions.map(Self.subscriptionElement)
        )
        return iq.result(Self.pubsubPayload(list))
    }

    func retrieveAffiliations(_ iq: IQ, request: XMLElement) async throws -> XMLElement {
        let nodeID = request[attribute: "node"]
        let affiliations = try await self.store.affiliations(jid: iq.from.bare)
            .filter { nodeID == nil || $0.key == nodeID }
            .sorted { $0.key < $1.key }
        let list = XMLElement(
            "affiliations",
            namespace: Namespace.pubsub,
            attributes: ["node": nodeID],
            children: affiliations.map { node, affiliation in
                XMLElement(
                    "affiliation",
                    namespace: Namespace.pubsub,
                    attributes: ["node": node, "affiliation": affiliation.rawValue]
                )
            }
        )
        return iq.result(Self.pubsubPayload(list))
    }
}
