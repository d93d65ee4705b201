import Logging
import XMPPCore

/// When an owner changes the access model or an affiliation, subscriptions that the node no longer
/// admits end, and pending ones that no longer need approval are approved; each subscriber is told
/// (§4.5, §12.11).
extension PubSubService {
    /// Applies the node's access model to the subscriptions of `jids` (bare; all when nil) and
    /// returns the messages telling their subscribers. The `presence` and `roster` models are not
    /// re-checked here: that needs each subscriber's roster entry (see ADR 0011).
    func enforceAccessModel(node: Node, among jids: Set<JID>? = nil) async throws -> [XMLElement] {
        let model = node.configuration.accessModel
        let affiliations = try await self.store.affiliations(node: node.id)
        var changed: [Subscription] = []
        for subscription in try await self.store.subscriptions(node: node.id)
        where jids?.contains(subscription.jid.bare) ?? true {
            let affiliation = affiliations[subscription.jid.bare] ?? .none
            let admitted = affiliation != .none
            var next = subscription
            if !affiliation.maySubscribe || (model == .whitelist && !admitted) {
                next.state = .none
            } else if subscription.state == .pending, model != .authorize {
                next.state = model == .open || admitted ? .subscribed : .none
            } else {
                continue
            }
            let done =
                next.state == .none
                ? try await self.store.unsubscribe(node: node.id, jid: next.jid, subscriptionID: next.id) > 0
                : try await self.store.updateSubscription(next)
            if done { changed.append(next) }
        }
        if !changed.isEmpty {
            self.logger.info(
                "subscriptions follow an access change",
                metadata: ["pubsub.node": "\(node.id)", "pubsub.changed": "\(changed.count)"]
            )
        }
        return try await self.subscriptionChanged(node: node, changed)
    }
}
