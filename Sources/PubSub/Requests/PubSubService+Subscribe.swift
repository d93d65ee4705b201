import Logging
import XMPPCore

/// XEP-0060 §6.1 and §6.2: subscribe to and unsubscribe from a node.
extension PubSubService {
    func subscribe(_ iq: IQ, pubsub: XMLElement, subscribe: XMLElement) async throws -> XMLElement {
        guard let nodeID = subscribe[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        let jid = try Self.subscriberJID(subscribe, requester: iq.from, mismatch: PubSubErrors.invalidJID)
        if let options = pubsub.child("options", namespace: Namespace.pubsub), !options.elements.isEmpty {
            throw PubSubErrors.unsupported("subscription-options")
        }
        guard let node = try await self.store.node(nodeID) else { throw PubSubErrors.nodeNotFound }
        switch node.configuration.accessModel {
        case .open:
            break
        }
        let subscription = try await self.store.subscribe(Subscription(node: nodeID, jid: jid, id: self.makeID()))
        self.logger.debug("subscribed", metadata: ["pubsub.node": "\(nodeID)", "xmpp.jid": "\(jid)"])
        let reply = Self.pubsubPayload(
            XMLElement(
                "subscription",
                namespace: Namespace.pubsub,
                attributes: [
                    "node": nodeID, "jid": subscription.jid.description, "subid": subscription.id,
                    "subscription": subscription.state.rawValue,
                ]
            )
        )
        return iq.result(reply)
    }

    func unsubscribe(_ iq: IQ, unsubscribe: XMLElement) async throws -> XMLElement {
        guard let nodeID = unsubscribe[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        // XEP-0060 §6.2.3.3: unsubscribing someone else is forbidden.
        let jid = try Self.subscriberJID(unsubscribe, requester: iq.from, mismatch: PubSubErrors.forbidden)
        guard try await self.store.node(nodeID) != nil else { throw PubSubErrors.nodeNotFound }
        let subscriptionID = unsubscribe[attribute: "subid"]
        let removed = try await self.store.unsubscribe(node: nodeID, jid: jid, subscriptionID: subscriptionID)
        if removed == 0 {
            // XEP-0060 §6.2.3.5: subscribed, but not with that SubID.
            let subscribed = try await self.store.subscriptions(node: nodeID).contains { $0.jid == jid }
            throw subscriptionID != nil && subscribed ? PubSubErrors.invalidSubID : PubSubErrors.notSubscribed
        }
        self.logger.debug("unsubscribed", metadata: ["pubsub.node": "\(nodeID)", "xmpp.jid": "\(jid)"])
        return iq.result()
    }

    /// The `jid` attribute, which must name the requester (bare JIDs compared, XEP-0060 §6.1.3.1).
    private static func subscriberJID(_ element: XMLElement, requester: JID, mismatch: StanzaError) throws -> JID {
        guard let value = element[attribute: "jid"], let jid = try? JID(value) else {
            throw PubSubErrors.invalidJID
        }
        guard jid.bare == requester.bare else { throw mismatch }
        return jid
    }
}
