import Logging
import XMPPCore

/// XEP-0060 §6.1 and §6.2: subscribe to and unsubscribe from a node.
extension PubSubService {
    func subscribe(_ iq: IQ, pubsub: XMLElement, subscribe: XMLElement) async throws -> PubSubOutcome {
        guard let nodeID = subscribe[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        let jid = try Self.subscriberJID(
            subscribe,
            requester: iq.from,
            missing: PubSubErrors.invalidJID,
            mismatch: PubSubErrors.invalidJID
        )
        let requestedOptions = try self.subscribeOptions(pubsub, subscribe: subscribe)
        let node = try await self.existingNode(nodeID)
        let affiliation = try await self.affiliation(jid, node: nodeID)
        // §6.1.3.10, pubsub#subscribe off: the node takes no new subscriptions, except from its owners.
        guard node.configuration.allowSubscriptions || affiliation == .owner else {
            throw PubSubErrors.unsupported("subscribe")
        }
        let state = try await self.subscriptionState(node, affiliation: affiliation, entity: jid)
        var options = requestedOptions ?? SubscriptionOptions()
        options.conform(to: node.configuration)
        // §6.1.3.7: a request waiting for approval is not repeated.
        if try await self.subscriptions(of: jid, node: nodeID).contains(where: { $0.state == .pending }) {
            throw PubSubErrors.pendingSubscription
        }
        let subscription: Subscription
        let newID = self.makeID()
        do {
            subscription = try await self.store.subscribe(
                Subscription(
                    node: nodeID,
                    jid: jid,
                    id: newID,
                    state: state,
                    options: options
                ),
                // §6.1.6: a plain re-subscribe returns the current subscription; other options make another.
                reuse: requestedOptions == nil ? .any : .sameOptions,
                limit: self.limits.maxSubscriptionsPerJID
            )
        } catch PubSubStoreError.tooManySubscriptions {
            throw PubSubErrors.tooManySubscriptions
        }
        self.logger.debug(
            "subscribed",
            metadata: ["pubsub.node": "\(nodeID)", "xmpp.jid": "\(jid)", "pubsub.state": "\(subscription.state)"]
        )
        var element = Self.subscriptionElement(subscription)
        // §6.1.5: options may be configured at any time, and none are required.
        element.append(XMLElement("subscribe-options", namespace: Namespace.pubsub))
        var reply = Self.pubsubPayload(element)
        if requestedOptions != nil {
            // §6.3.7: the resulting options, as a result form.
            reply.append(
                XMLElement(
                    "options",
                    namespace: Namespace.pubsub,
                    attributes: [:],
                    children: [subscription.options.form(type: "result").element]
                )
            )
        }
        var notifications: [XMLElement] = []
        if subscription.state == .subscribed, node.configuration.sendLastPublishedItem != .never {
            notifications = try await self.lastPublishedItem(node: node, subscriptions: [subscription])
        }
        // A new subscription (not a re-subscribe answered with the existing one) concerns the owners.
        if subscription.id == newID {
            if subscription.state == .pending {
                notifications += try await self.authorizationRequests(for: subscription, node: node)
            }
            notifications += try await self.ownersNotified(node: node, [subscription])
        }
        return PubSubOutcome(reply: iq.result(reply), notifications: notifications)
    }

    /// The options of a subscribe-and-configure request (§6.3.7), nil for a plain subscribe.
    private func subscribeOptions(_ pubsub: XMLElement, subscribe: XMLElement) throws -> SubscriptionOptions? {
        let children = pubsub.elements
        guard
            let optionsIndex = children.firstIndex(where: { $0.name == "options" && $0.namespace == Namespace.pubsub })
        else { return nil }
        let options = children[optionsIndex]
        // §6.3.7: <options/> follows <subscribe/> and has neither a node nor a jid attribute.
        guard let subscribeIndex = children.firstIndex(of: subscribe), subscribeIndex < optionsIndex,
            options[attribute: "node"] == nil, options[attribute: "jid"] == nil
        else {
            throw PubSubErrors.badRequest("<options/> must follow <subscribe/> and have no node or jid attribute")
        }
        guard let form = options.elements.lazy.compactMap(DataForm.init).first else { return nil }
        var result = SubscriptionOptions()
        try result.apply(form, now: self.now())
        return result
    }

    func unsubscribe(_ iq: IQ, unsubscribe: XMLElement) async throws -> PubSubOutcome {
        // §6.2.3.3: unsubscribing someone else is forbidden.
        let subscription = try await self.namedSubscription(
            unsubscribe,
            requester: iq.from,
            missingJID: PubSubErrors.invalidJID,
            notSubscribed: PubSubErrors.notSubscribed
        )
        let (nodeID, jid) = (subscription.node, subscription.jid)
        guard try await self.store.unsubscribe(node: nodeID, jid: jid, subscriptionID: subscription.id) > 0 else {
            throw PubSubErrors.notSubscribed  // removed concurrently
        }
        self.logger.debug("unsubscribed", metadata: ["pubsub.node": "\(nodeID)", "xmpp.jid": "\(jid)"])
        var ended = subscription
        ended.state = .none
        let reply = iq.result(Self.pubsubPayload(Self.subscriptionElement(ended)))
        guard let node = try await self.store.node(nodeID) else { return PubSubOutcome(reply: reply) }
        return PubSubOutcome(reply: reply, notifications: try await self.ownersNotified(node: node, [ended]))
    }

    /// `<subscription node='…' jid='…' subid='…' subscription='…'/>`.
    static func subscriptionElement(_ subscription: Subscription) -> XMLElement {
        XMLElement(
            "subscription",
            namespace: Namespace.pubsub,
            attributes: [
                "node": subscription.node, "jid": subscription.jid.description, "subid": subscription.id,
                "subscription": subscription.state.rawValue,
            ]
        )
    }
}
