import Logging
import XMPPCore

/// XEP-0060 §8.8: an owner lists, approves, adds and removes the subscriptions of a node; each
/// subscriber whose subscription changes is told (§8.8.4, §12.11).
extension PubSubService {
    func nodeSubscriptions(_ iq: IQ, request: XMLElement) async throws -> XMLElement {
        let node = try await self.ownedNode(request, requester: iq.from)
        let now = self.now()
        // §8.8.1.2: subscribed and unconfigured only, not pending; lapsed leases are gone.
        let listed = try await self.store.subscriptions(node: node.id).filter {
            $0.state == .subscribed && $0.options.isCurrent(at: now)
        }
        return iq.result(Self.ownerPayload(Self.ownerSubscriptions(node: node.id, listed)))
    }

    func modifySubscriptions(_ iq: IQ, request: XMLElement) async throws -> PubSubOutcome {
        let node = try await self.ownedNode(request, requester: iq.from)
        // Every entry is read before anything is written: a malformed one refuses the whole request.
        let entries = try request.elements.filter {
            $0.name == "subscription" && $0.namespace == Namespace.pubsubOwner
        }.map { entry in
            guard let jid = entry[attribute: "jid"].flatMap({ try? JID($0) }) else {
                throw PubSubErrors.badRequest("every <subscription/> needs a valid jid")
            }
            return (jid: jid, requested: entry[attribute: "subscription"], subid: entry[attribute: "subid"])
        }
        var all = try await self.store.subscriptions(node: node.id)
        var rejected: [Subscription] = []
        var changed: [Subscription] = []
        for (jid, requested, subid) in entries {
            // §8.8.2.1: without a subscription attribute nothing changes.
            guard let requested else { continue }
            let current = all.filter { $0.jid == jid && (subid == nil || $0.id == subid) }
            let unchanged =
                current.isEmpty ? [Subscription(node: node.id, jid: jid, id: subid ?? "", state: .none)] : current
            switch SubscriptionState(rawValue: requested) {
            case SubscriptionState.none? where subid == nil || !current.isEmpty:
                for subscription in current
                where try await self.store.unsubscribe(node: node.id, jid: jid, subscriptionID: subscription.id) > 0 {
                    var ended = subscription
                    ended.state = .none
                    changed.append(ended)
                }
                all.removeAll { $0.jid == jid && (subid == nil || $0.id == subid) }
            case .subscribed? where !current.isEmpty:
                for var subscription in current where subscription.state != .subscribed {
                    subscription.state = .subscribed
                    if try await self.store.updateSubscription(subscription) { changed.append(subscription) }
                }
            case .subscribed? where subid == nil:
                guard let added = try await self.addSubscription(node: node, jid: jid) else {
                    rejected += unchanged
                    continue
                }
                all.append(added)
                changed.append(added)
            default:
                // Owners approve or remove; pending and unconfigured are states only a subscriber's
                // own request leads to, and a SubID that does not exist cannot be changed.
                rejected += unchanged
            }
        }
        self.logger.debug(
            "subscriptions modified",
            metadata: ["pubsub.node": "\(node.id)", "pubsub.changed": "\(changed.count)"]
        )
        let notifications = try await self.subscriptionChanged(node: node, changed)
        guard rejected.isEmpty else {
            throw EntriesRejected(
                error: StanzaError(.modify, .notAcceptable),
                detail: Self.ownerPayload(Self.ownerSubscriptions(node: node.id, rejected)),
                notifications: notifications
            )
        }
        return PubSubOutcome(reply: iq.result(), notifications: notifications)
    }

    /// An owner subscribes someone (§8.8.2): not an outcast, and within the subscription limit.
    private func addSubscription(node: Node, jid: JID) async throws -> Subscription? {
        switch try await self.affiliation(jid, node: node.id) {
        case .outcast, .publishOnly: return nil  // §4.1: they may not subscribe
        case .owner, .publisher, .member, .none: break
        }
        var options = SubscriptionOptions()
        options.conform(to: node.configuration)
        do {
            return try await self.store.subscribe(
                Subscription(node: node.id, jid: jid, id: self.makeID(), state: .subscribed, options: options),
                reuse: .any,
                limit: self.limits.maxSubscriptionsPerJID
            )
        } catch PubSubStoreError.tooManySubscriptions {
            return nil
        }
    }

    /// §12.11: each subscriber whose subscription changed hears its new state; a newly approved one
    /// also gets the last published item when the node sends it on subscription.
    func subscriptionChanged(node: Node, _ changed: [Subscription]) async throws -> [XMLElement] {
        var messages: [XMLElement] = []
        for subscription in changed {
            messages += self.announcements(
                EventNotification.subscriptionElement(subscription),
                node: node,
                to: [subscription.jid]
            )
        }
        let approved = changed.filter { $0.state == .subscribed }
        if !approved.isEmpty, node.configuration.sendLastPublishedItem != .never {
            messages += try await self.lastPublishedItem(node: node, subscriptions: approved)
        }
        return messages
    }

    /// `<subscriptions node='…'>` in the owner namespace, one `<subscription/>` per entry.
    private static func ownerSubscriptions(node: String, _ subscriptions: [Subscription]) -> XMLElement {
        XMLElement(
            "subscriptions",
            namespace: Namespace.pubsubOwner,
            attributes: ["node": node],
            children: subscriptions.map { subscription in
                (XMLElement(
                    "subscription",
                    namespace: Namespace.pubsubOwner,
                    attributes: [
                        "jid": subscription.jid.description, "subscription": subscription.state.rawValue,
                        "subid": subscription.id.isEmpty ? nil : subscription.id,
                    ]
                ))
            }
        )
    }
}
