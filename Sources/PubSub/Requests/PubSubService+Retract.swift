import Logging
import XMPPCore

/// XEP-0060 §7.2: delete an item from a node, notifying subscribers when asked to.
extension PubSubService {
    func retract(_ iq: IQ, retract: XMLElement) async throws -> PubSubOutcome {
        guard let nodeID = retract[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        // §7.2.2.1: notify='true' must notify; without the attribute, pubsub#notify_retract decides.
        let notify: Bool?
        switch retract[attribute: "notify"] {
        case nil: notify = nil
        case "false", "0": notify = false
        case "true", "1": notify = true
        case let other?: throw PubSubErrors.badRequest("notify must be true, false, 1 or 0, not '\(other)'")
        }
        // §7.2.1: exactly one empty <item/> with an id (batches belong to the unadvertised multi-items).
        let items = retract.elements.filter { $0.name == "item" && $0.namespace == Namespace.pubsub }
        guard items.count == 1, retract.elements.count == 1, let itemID = items[0][attribute: "id"] else {
            throw PubSubErrors.itemRequired
        }
        let node = try await self.existingNode(nodeID)
        // §7.2.3.5: a transient node has no items to delete.
        guard node.configuration.persistItems else { throw PubSubErrors.unsupported("persistent-items") }
        let affiliation = try await self.affiliation(iq.from, node: nodeID)
        guard affiliation.canPublish else { throw PubSubErrors.forbidden }
        guard let item = try await self.store.items(node: nodeID, ids: [itemID]).first else {
            throw PubSubErrors.nodeNotFound
        }
        // §4.1 table 4: owners delete any item; publishers and publish-only entities their own.
        guard affiliation == .owner || item.publisher == iq.from.bare else { throw PubSubErrors.forbidden }
        guard try await self.store.retract(node: nodeID, itemID: itemID) else {
            throw PubSubErrors.nodeNotFound  // deleted concurrently: to this requester it does not exist
        }
        self.logger.debug("item retracted", metadata: ["pubsub.node": "\(nodeID)", "pubsub.item": "\(itemID)"])
        guard notify ?? node.configuration.notifyRetract, node.configuration.deliverNotifications else {
            return PubSubOutcome(reply: iq.result())
        }
        let notifications = self.notifications(
            node: node,
            subscriptions: try await self.store.subscriptions(node: nodeID),
            event: EventNotification.items(node: nodeID, EventNotification.retractElement(itemID))
        )
        return PubSubOutcome(reply: iq.result(), notifications: notifications)
    }
}
