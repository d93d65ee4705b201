import Logging
import XMPPCore

/// XEP-0060 §8.6: pending subscriptions to `authorize` nodes are put to the node's owners as
/// `pubsub#subscribe_authorization` forms, which they submit back in a `<message/>` to approve or deny.
extension PubSubService {
    static let authorizationFormType = Namespace.pubsub + "#subscribe_authorization"

    /// One authorization form for a pending subscription to each of `recipients` (by default the
    /// node's owners).
    func authorizationRequests(
        for subscription: Subscription,
        node: Node,
        to recipients: [JID]? = nil
    ) async throws -> [XMLElement] {
        var owners = recipients ?? []
        if recipients == nil {
            owners = try await self.store.affiliations(node: node.id).filter { $0.value == .owner }.keys
                .sorted { $0.description < $1.description }
        }
        return owners.map { owner in
            let form = DataForm(
                type: "form",
                formType: Self.authorizationFormType,
                fields: [
                    DataForm.Field("pubsub#subid", type: "hidden", values: [subscription.id]),
                    DataForm.Field("pubsub#node", type: "text-single", label: "Node ID", values: [node.id]),
                    DataForm.Field(
                        "pubsub#subscriber_jid",
                        type: "jid-single",
                        label: "Subscriber Address",
                        values: [subscription.jid.description]
                    ),
                    DataForm.Field(
                        "pubsub#allow",
                        type: "boolean",
                        label: "Allow this JID to subscribe to this pubsub node?",
                        values: ["false"]
                    ),
                ]
            )
            let body =
                "\(subscription.jid) asks to subscribe to node \(node.id). "
                + "Submit the form with pubsub#allow true to approve, false to deny."
            return XMLElement(
                "message",
                namespace: Namespace.component,
                attributes: ["from": self.domain.description, "to": owner.description, "id": self.makeID()],
                children: [XMLElement("body", namespace: Namespace.component, children: [.text(body)]), form.element]
            )
        }
    }

    /// A `<message/>` that is not an error: an owner's answer to an authorization form, or nothing
    /// Herald acts on. A refused answer gets an error message back (RFC 6120 §8.3).
    func message(_ stanza: XMLElement) async throws -> PubSubOutcome {
        if let privilege = stanza.child("privilege", namespace: Namespace.privilege),
            let server = stanza[attribute: "from"].flatMap({ try? JID($0) }),
            server.localpart == nil, server.resourcepart == nil
        {
            let readable = self.rosterAccess.advertised(privilege, by: server)
            self.logger.info("server privileges", metadata: ["xmpp.from": "\(server)", "xmpp.roster": "\(readable)"])
            return .none
        }
        guard
            let form = stanza.elements.lazy.compactMap(DataForm.init).first(where: {
                $0.formType == Self.authorizationFormType
            }),
            let from = stanza[attribute: "from"].flatMap({ try? JID($0) })
        else { return .none }
        // §8.6: a cancelled form leaves the subscription pending.
        guard form.type == "submit" else { return .none }
        do {
            return try await self.decide(form, owner: from)
        } catch let error as StanzaError {
            self.logger.debug(
                "authorization refused",
                metadata: ["xmpp.from": "\(from)", "xmpp.error": "\(error.condition.rawValue)"]
            )
            var reply = XMLElement(
                "message",
                namespace: Namespace.component,
                attributes: [
                    "type": "error", "from": self.domain.description, "to": from.description,
                    "id": stanza[attribute: "id"],
                ]
            )
            reply.append(error.element)
            return PubSubOutcome(reply: reply)
        }
    }

    private func decide(_ form: DataForm, owner: JID) async throws -> PubSubOutcome {
        func value(_ name: String) -> String? { form.fields.first { $0.name == name }?.values.first }
        guard let nodeID = value("pubsub#node"),
            let subscriber = value("pubsub#subscriber_jid").flatMap({ try? JID($0) }),
            let allowField = form.fields.first(where: { $0.name == "pubsub#allow" })
        else { throw PubSubErrors.badRequest("the form needs pubsub#node, pubsub#subscriber_jid and pubsub#allow") }
        let allow = try FormValue.boolean(allowField, invalid: PubSubErrors.badRequest("pubsub#allow is not a boolean"))
        let node = try await self.existingNode(nodeID)
        guard try await self.affiliation(owner, node: nodeID) == .owner else { throw PubSubErrors.forbidden }
        let subid = value("pubsub#subid")
        let pending = try await self.store.subscriptions(node: nodeID).filter {
            $0.jid == subscriber && $0.state == .pending && (subid == nil || $0.id == subid)
        }
        // Already decided (by another owner, or twice): nothing is left to do.
        guard !pending.isEmpty else { return .none }
        var changed: [Subscription] = []
        for var subscription in pending {
            if allow {
                subscription.state = .subscribed
                guard try await self.store.updateSubscription(subscription) else { continue }
            } else {
                guard
                    try await self.store.unsubscribe(node: nodeID, jid: subscriber, subscriptionID: subscription.id) > 0
                else { continue }
                subscription.state = .none
            }
            changed.append(subscription)
        }
        self.logger.info(
            allow ? "subscription approved" : "subscription denied",
            metadata: ["pubsub.node": "\(nodeID)", "xmpp.jid": "\(subscriber)", "xmpp.from": "\(owner)"]
        )
        var notifications = try await self.subscriptionChanged(node: node, changed)
        notifications += try await self.ownersNotified(node: node, changed)
        return PubSubOutcome(reply: nil, notifications: notifications)
    }

    /// `pubsub#notify_sub`: the node's owners hear of new, approved and ended subscriptions.
    func ownersNotified(node: Node, _ changed: [Subscription]) async throws -> [XMLElement] {
        guard node.configuration.notifySub, !changed.isEmpty else { return [] }
        let owners = try await self.store.affiliations(node: node.id).filter { $0.value == .owner }.keys
            .sorted { $0.description < $1.description }
        return changed.flatMap { subscription in
            self.announcements(EventNotification.subscriptionElement(subscription), node: node, to: owners)
        }
    }
}
