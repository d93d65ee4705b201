import Logging
import XMPPCore

/// XEP-0060 §12.4: an error `<message/>` answering a notification. Permanent errors end the
/// subscriptions it went to; transient ones are counted and end them at the policy's limit.
extension PubSubService {
    func bounce(_ stanza: XMLElement) async throws -> PubSubOutcome {
        guard stanza[attribute: "type"] == "error", let id = stanza[attribute: "id"],
            let from = stanza[attribute: "from"].flatMap({ try? JID($0) })
        else { return .none }
        let condition = Self.condition(of: stanza)
        if self.multicast.refused(by: from, condition: condition) {
            // Its recipients got nothing; later events go to each subscriber on its own.
            let metadata: Logger.Metadata = ["xmpp.jid": "\(from)", "xmpp.id": "\(id)", "xmpp.error": "\(condition)"]
            if condition == "not-acceptable" {
                self.logger.error(
                    "multicast service refused a message as having too many addresses, so its notifications were not delivered: not used again on this stream; set HERALD_MULTICAST_MAX_ADDRESSES to its limit",
                    metadata: metadata
                )
            } else {
                self.logger.error(
                    "multicast service returned an error, so its message's notifications were not delivered",
                    metadata: metadata
                )
            }
            return .none
        }
        guard let entry = self.notificationLog.take(id: id, from: from)
        else { return .none }
        let type = stanza.child("error", namespace: Namespace.component)?[attribute: "type"] ?? "cancel"
        let permanent = type == "cancel" || condition == "gone"
        let metadata: Logger.Metadata = [
            "pubsub.node": "\(entry.node)", "xmpp.jid": "\(entry.subscriber)", "xmpp.error": "\(condition)",
        ]
        let end: Bool
        if permanent {
            end = self.bouncePolicy.endOnPermanentError
        } else {
            let count = self.notificationLog.countBounce(entry)
            end = self.bouncePolicy.transientLimit > 0 && count >= self.bouncePolicy.transientLimit
        }
        guard end else {
            self.logger.info("notification bounced", metadata: metadata)
            return .none
        }
        self.notificationLog.forgetBounces(entry)
        for subscriptionID in entry.subscriptionIDs {
            _ = try await self.store.unsubscribe(
                node: entry.node,
                jid: entry.subscriber,
                subscriptionID: subscriptionID
            )
        }
        self.logger.notice("subscription ended by bounces", metadata: metadata)
        return .none
    }

    /// The defined condition of an error stanza (RFC 6120 §8.3.3).
    private static func condition(of stanza: XMLElement) -> String {
        let error = stanza.child("error", namespace: Namespace.component)
        return error?.elements.first { $0.namespace == Namespace.stanzas }?.name ?? "undefined-condition"
    }
}
