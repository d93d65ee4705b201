import Logging
import XMPPCore

/// XEP-0060 §6.3 and §6.4: subscription options, and their defaults.
extension PubSubService {
    func options(_ iq: IQ, options request: XMLElement) async throws -> XMLElement {
        var subscription = try await self.namedSubscription(
            request,
            requester: iq.from,
            missingJID: PubSubErrors.jidRequired,
            // §6.3.4.2 shows this one as type modify.
            notSubscribed: StanzaError(
                .modify,
                .unexpectedRequest,
                applicationCondition: PubSubErrors.pubsubCondition("not-subscribed")
            )
        )
        let (nodeID, jid) = (subscription.node, subscription.jid)
        let attributes: KeyValuePairs<String, String?> = [
            "node": nodeID, "jid": jid.description, "subid": subscription.id,
        ]
        switch iq.kind {
        case .get:
            let options = XMLElement(
                "options",
                namespace: Namespace.pubsub,
                attributes: attributes,
                children: [subscription.options.form(type: "form").element]
            )
            return iq.result(Self.pubsubPayload(options))
        default:
            guard let form = request.elements.lazy.compactMap(DataForm.init).first else {
                throw SubscriptionOptions.invalidOptions("the request carries no options form")
            }
            // XEP-0004 §3.1: a cancelled form changes nothing.
            guard form.type != "cancel" else { return iq.result() }
            try subscription.options.apply(form, now: self.now())
            if let node = try await self.store.node(nodeID) {
                subscription.options.conform(to: node.configuration)
            }
            guard try await self.store.updateSubscription(subscription) else {
                throw PubSubErrors.notSubscribed  // removed concurrently
            }
            self.logger.debug(
                "subscription options set",
                metadata: ["pubsub.node": "\(nodeID)", "xmpp.jid": "\(jid)", "pubsub.subid": "\(subscription.id)"]
            )
            return iq.result()
        }
    }

    /// §6.4: the options a new subscription gets, for the service or one node.
    func defaultOptions(_ iq: IQ, request: XMLElement) async throws -> XMLElement {
        let nodeID = request[attribute: "node"]
        if let nodeID {
            _ = try await self.existingNode(nodeID)
        }
        let element = XMLElement(
            "default",
            namespace: Namespace.pubsub,
            attributes: ["node": nodeID],
            children: [SubscriptionOptions().form(type: "result").element]
        )
        return iq.result(Self.pubsubPayload(element))
    }
}
