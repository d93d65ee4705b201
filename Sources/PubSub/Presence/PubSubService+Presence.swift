import Logging
import XMPPCore

/// Presence addressed to the service (XEP-0060 §12.5, §12.6, §6.1.7). Users make themselves known by
/// sending directed presence to the service's JID, or by adding it to their roster: Herald approves
/// that subscription and asks for one back, so the user's server then sends every presence change.
extension PubSubService {
    func presence(_ stanza: XMLElement) async throws -> PubSubOutcome {
        guard let from = stanza[attribute: "from"].flatMap({ try? JID($0) }),
            let to = stanza[attribute: "to"].flatMap({ try? JID($0) }), to.bare == self.domain
        else { return .none }
        switch stanza[attribute: "type"] {
        case nil:
            let show = stanza.child("show", namespace: Namespace.component).flatMap { PresenceShow(rawValue: $0.text) }
            guard self.availability.update(from, show: show ?? .online) else { return .none }
            self.logger.debug("available", metadata: ["xmpp.jid": "\(from)"])
            return PubSubOutcome(reply: nil, notifications: try await self.lastItemsOnPresence(from))
        case "unavailable":
            let bareOffline = self.availability.remove(from)
            self.logger.debug("unavailable", metadata: ["xmpp.jid": "\(from)"])
            try await self.endTemporarySubscriptions(of: from, bareOffline: bareOffline)
            return .none
        case "subscribe":
            // Approve, and ask back so that the user's server sends its presence to the service.
            return PubSubOutcome(
                reply: nil,
                notifications: [
                    self.presenceStanza("subscribed", to: from.bare), self.presenceStanza("subscribe", to: from.bare),
                ]
            )
        case "probe":
            return PubSubOutcome(reply: nil, notifications: [self.presenceStanza(nil, to: from)])
        case "unsubscribe":
            return PubSubOutcome(reply: nil, notifications: [self.presenceStanza("unsubscribed", to: from.bare)])
        default:
            return .none
        }
    }

    private func presenceStanza(_ type: String?, to: JID) -> XMLElement {
        XMLElement(
            "presence",
            namespace: Namespace.component,
            attributes: ["from": self.domain.description, "to": to.description, "type": type]
        )
    }

    /// §6.1.7 `on_sub_and_presence`: a session that becomes available gets the newest item of each
    /// such node it subscribes to, through the subscriptions that reach this session.
    private func lastItemsOnPresence(_ session: JID) async throws -> [XMLElement] {
        let subscriptions = try await self.liveSubscriptions(of: session).filter {
            $0.state == .subscribed && ($0.jid == session || $0.jid == session.bare)
        }
        var messages: [XMLElement] = []
        for (nodeID, group) in Dictionary(grouping: subscriptions, by: \.node).sorted(by: { $0.key < $1.key }) {
            guard let node = try await self.store.node(nodeID),
                node.configuration.sendLastPublishedItem == .onSubscriptionAndPresence
            else { continue }
            // Sent to the session itself, which is the one that just arrived.
            let readdressed = group.map { subscription in
                var subscription = subscription
                subscription.jid = session
                return subscription
            }
            messages += try await self.lastPublishedItem(node: node, subscriptions: readdressed)
        }
        return messages
    }

    /// §12.5: `pubsub#expire = presence` subscriptions end with the session (a bare-JID one with the last).
    private func endTemporarySubscriptions(of session: JID, bareOffline: Bool) async throws {
        let temporary = try await self.liveSubscriptions(of: session).filter {
            $0.options.expire == .presence && ($0.jid == session || (bareOffline && $0.jid == session.bare))
        }
        for subscription in temporary {
            _ = try await self.store.unsubscribe(
                node: subscription.node,
                jid: subscription.jid,
                subscriptionID: subscription.id
            )
            self.logger.debug(
                "temporary subscription ended",
                metadata: ["pubsub.node": "\(subscription.node)", "xmpp.jid": "\(subscription.jid)"]
            )
        }
    }
}
