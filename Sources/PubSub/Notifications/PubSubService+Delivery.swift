import FoundationEssentials
import XMPPCore

/// Who receives an event and what each message looks like (XEP-0060 §7.1.2, §12.3, §12.6, §12.8).
extension PubSubService {
    /// One message per subscribed JID (§6.1.6: several subscriptions of one JID share a message, with
    /// their SubIDs as SHIM headers), to the subscriptions that want this event now.
    /// `event` is the child of `<event/>`; `payload` is the stored payload, used only to build a body
    /// for `include_body` subscribers.
    func notifications(
        node: Node,
        subscriptions: [Subscription],
        event child: XMLElement,
        payload: String? = nil,
        delay: Date? = nil
    ) -> [XMLElement] {
        let configuration = node.configuration
        let now = self.now()
        var groups: [JID: [Subscription]] = [:]
        var order: [JID] = []
        for subscription in subscriptions where self.wantsEvents(subscription, configuration, now: now) {
            if groups[subscription.jid] == nil { order.append(subscription.jid) }
            groups[subscription.jid, default: []].append(subscription)
        }
        var body: String??
        return order.map { jid in
            let group = groups[jid]!
            var text: String?
            if group.contains(where: \.options.includeBody), let payload {
                if body == nil { body = .some(EventBody.summary(ofSerialized: payload)) }
                text = body!
            }
            let id = self.makeID()
            let subscriptionIDs = group.map(\.id)
            self.notificationLog.record(
                id: id,
                NotificationLog.Entry(node: node.id, subscriber: jid, subscriptionIDs: subscriptionIDs)
            )
            return EventNotification.message(
                from: self.domain,
                to: jid,
                id: id,
                type: configuration.notificationType,
                event: child,
                body: text,
                delay: delay,
                subscriptionIDs: subscriptionIDs
            )
        }
    }

    /// One message to each JID about the node itself (deletion, a subscription or affiliation change),
    /// whatever its subscription options: these are not item events.
    func announcements(_ event: XMLElement, node: Node, to jids: [JID]) -> [XMLElement] {
        var seen: Set<JID> = []
        return jids.filter { seen.insert($0).inserted }.map { jid in
            EventNotification.message(
                from: self.domain,
                to: jid,
                id: self.makeID(),
                type: node.configuration.notificationType,
                event: event
            )
        }
    }

    /// Approved, delivering, not expired, and (on presence-based nodes) available with an accepted show.
    private func wantsEvents(_ subscription: Subscription, _ configuration: NodeConfiguration, now: Date) -> Bool {
        guard subscription.state == .subscribed, subscription.options.deliver,
            subscription.options.isCurrent(at: now)
        else { return false }
        guard configuration.presenceBasedDelivery else { return true }
        return self.availability.accepts(subscription.jid, showValues: subscription.options.showValues)
    }

    /// §6.1.7: the newest item, stamped with its publication time, for these subscriptions.
    func lastPublishedItem(node: Node, subscriptions: [Subscription]) async throws -> [XMLElement] {
        let configuration = node.configuration
        guard configuration.persistItems, configuration.deliverNotifications else { return [] }
        try await self.expireItems(of: node)
        guard
            let item = try await self.store.items(node: node.id, query: ItemQuery(limit: 1, byteBudget: .max))
                .items.first
        else { return [] }
        let element = EventNotification.itemElement(
            item,
            namespace: Namespace.pubsubEvent,
            payload: configuration.deliverPayloads,
            publisher: configuration.itemReply == .publisher
        )
        return self.notifications(
            node: node,
            subscriptions: subscriptions,
            event: EventNotification.items(node: node.id, element),
            payload: item.payload,
            delay: item.publishedAt
        )
    }
}
