import Logging
import XMPPCore

/// XEP-0060 §8.4 and §8.5: delete a node, or purge its items, telling the subscribers.
extension PubSubService {
    func deleteNode(_ iq: IQ, delete: XMLElement) async throws -> PubSubOutcome {
        let node = try await self.ownedNode(delete, requester: iq.from)
        var redirect: XMLElement?
        if let requested = delete.child("redirect", namespace: Namespace.pubsubOwner) {
            guard let uri = requested[attribute: "uri"], !uri.isEmpty else {
                throw PubSubErrors.badRequest("<redirect/> needs a uri")
            }
            redirect = XMLElement("redirect", namespace: Namespace.pubsubEvent, attributes: ["uri": uri])
        }
        // §8.4.2: every subscriber hears of it, pending ones included; read before they are deleted.
        let subscribers = try await self.store.subscriptions(node: node.id).map(\.jid)
        guard try await self.store.deleteNode(node.id) else { throw PubSubErrors.nodeNotFound }
        self.logger.info("node deleted", metadata: ["pubsub.node": "\(node.id)", "xmpp.from": "\(iq.from)"])
        guard node.configuration.notifyDelete else { return PubSubOutcome(reply: iq.result()) }
        let event = XMLElement(
            "delete",
            namespace: Namespace.pubsubEvent,
            attributes: ["node": node.id],
            children: redirect.map { [$0] } ?? []
        )
        return PubSubOutcome(reply: iq.result(), notifications: self.announcements(event, node: node, to: subscribers))
    }

    func purge(_ iq: IQ, purge: XMLElement) async throws -> PubSubOutcome {
        guard let nodeID = purge[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        let node = try await self.existingNode(nodeID)
        // §4.1 table 3: owners and publishers purge.
        switch try await self.affiliation(iq.from, node: nodeID) {
        case .owner, .publisher: break
        case .publishOnly, .member, .none, .outcast: throw PubSubErrors.forbidden
        }
        guard node.configuration.persistItems else { throw PubSubErrors.unsupported("persistent-items") }
        try await self.store.purge(node: nodeID)
        self.logger.info("node purged", metadata: ["pubsub.node": "\(nodeID)", "xmpp.from": "\(iq.from)"])
        // §8.5.2: one <purge/> per subscriber instead of a retraction per item.
        guard node.configuration.notifyRetract, node.configuration.deliverNotifications else {
            return PubSubOutcome(reply: iq.result())
        }
        let notifications = self.notifications(
            node: node,
            subscriptions: try await self.store.subscriptions(node: nodeID),
            event: XMLElement("purge", namespace: Namespace.pubsubEvent, attributes: ["node": nodeID])
        )
        return PubSubOutcome(reply: iq.result(), notifications: notifications)
    }
}
