import Logging
import XMPPCore

/// XEP-0060 §7.1: publish an item; the result carries the ItemID and is built after the commit.
extension PubSubService {
    func publish(_ iq: IQ, pubsub: XMLElement, publish: XMLElement) async throws -> PubSubOutcome {
        guard let nodeID = publish[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        if pubsub.child("publish-options", namespace: Namespace.pubsub) != nil {
            throw PubSubErrors.unsupported("publish-options")
        }
        let affiliation = try await self.store.affiliation(node: nodeID, jid: iq.from)
        guard affiliation.canPublish else { throw try await self.refusal(node: nodeID) }
        let items = publish.elements.filter { $0.name == "item" && $0.namespace == Namespace.pubsub }
        // Herald's nodes persist items, so an item is required (§7.1.3.6) and only one is allowed (§7.1.3.5).
        guard items.count <= 1, publish.elements.count == items.count else { throw PubSubErrors.invalidPayload }
        guard let element = items.first else { throw PubSubErrors.itemRequired }
        let payloads = element.elements
        guard payloads.count <= 1 else { throw PubSubErrors.invalidPayload }
        guard let payload = payloads.first else { throw PubSubErrors.payloadRequired }
        let itemID = element[attribute: "id"] ?? self.makeID()
        try self.validateID(itemID, what: "ItemID")
        // The one serialization of this payload: measured here, then stored and sent as is.
        let serialized = XMLSerializer.serialize(payload)
        guard serialized.utf8.count <= self.limits.maxPayloadBytes else { throw PubSubErrors.payloadTooBig }
        let item = Item(id: itemID, payload: serialized, publisher: iq.from.bare, publishedAt: self.now())
        try await self.store.publish(item, node: nodeID)
        self.logger.debug("item published", metadata: ["pubsub.node": "\(nodeID)", "pubsub.item": "\(itemID)"])
        let reply = Self.pubsubPayload(
            XMLElement(
                "publish",
                namespace: Namespace.pubsub,
                attributes: ["node": nodeID],
                children: [
                    XMLElement("item", namespace: Namespace.pubsub, attributes: ["id": itemID])
                ]
            )
        )
        let subscribers = try await self.store.subscriptions(node: nodeID).filter { $0.state == .subscribed }
        let notifications = subscribers.map {
            EventNotification.message(from: self.domain, to: $0.jid, id: self.makeID(), node: nodeID, item: item)
        }
        return PubSubOutcome(reply: iq.result(reply), notifications: notifications)
    }
}
