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
        var groups: [(jid: JID, subscriptions: [Subscription])] = []
        var position: [JID: Int] = [:]
        groups.reserveCapacity(subscriptions.count)
        position.reserveCapacity(subscriptions.count)
        for subscription in subscriptions where self.wantsEvents(subscription, configuration, now: now) {
            if let index = position[subscription.jid] {
                groups[index].subscriptions.append(subscription)
            } else {
                position[subscription.jid] = groups.count
                groups.append((subscription.jid, [subscription]))
            }
        }
        let event = EventNotification.event(child)
        let service = self.domain.description
        var body: String?
        if let payload, groups.contains(where: { $0.subscriptions.contains(where: \.options.includeBody) }) {
            body = EventBody.summary(ofSerialized: payload)
        }
        // Messages that differ only in their address go through the multicast service, if there
        // is one; a body or SubID headers make a message a subscriber's own. With one such message
        // or none, every message goes on its own (one address: less work for the server).
        var ordered = groups
        var sharedCount = 0
        let multicast = groups.count > 1 ? self.multicast.target(from: self.domain) : nil
        if multicast != nil {
            let isShared = { (group: (jid: JID, subscriptions: [Subscription])) in
                group.subscriptions.count == 1 && (body == nil || !group.subscriptions[0].options.includeBody)
            }
            let shared = groups.filter(isShared)
            if shared.count > 1 {
                ordered = shared + groups.filter { !isShared($0) }
                sharedCount = shared.count
            }
        }
        // One fresh ID per event; its messages are numbered (see NotificationLog), shared ones first.
        let eventID = self.makeID()
        let recipients = ordered.map {
            NotificationLog.Recipient(jid: $0.jid, subscriptionIDs: $0.subscriptions.map(\.id))
        }
        self.notificationLog.record(event: eventID, node: node.id, recipients: recipients)
        var messages: [XMLElement] = []
        if let multicast {
            for numbers in self.multicast.parts(of: sharedCount) {
                messages.append(
                    EventNotification.message(
                        from: service,
                        to: multicast,
                        id: NotificationLog.messageID(event: eventID, numbers: numbers),
                        type: configuration.notificationType,
                        event: event,
                        delay: delay,
                        addresses: recipients[numbers].map(\.jid)
                    )
                )
            }
        }
        for (number, group) in zip(sharedCount..., ordered[sharedCount...]) {
            messages.append(
                EventNotification.message(
                    from: service,
                    to: group.jid,
                    id: NotificationLog.messageID(event: eventID, number: number),
                    type: configuration.notificationType,
                    event: event,
                    body: group.subscriptions.contains(where: \.options.includeBody) ? body : nil,
                    delay: delay,
                    subscriptionIDs: recipients[number].subscriptionIDs
                )
            )
        }
        return messages
    }

    /// One message to each JID about the node itself (deletion, a subscription or affiliation change),
    /// whatever its subscription options: these are not item events.
    func announcements(_ event: XMLElement, node: Node, to jids: [JID]) -> [XMLElement] {
        var seen: Set<JID> = []
        let serialized = EventNotification.event(event)
        let service = self.domain.description
        return jids.filter { seen.insert($0).inserted }.map { jid in
            EventNotification.message(
                from: service,
                to: jid,
                id: self.makeID(),
                type: node.configuration.notificationType,
                event: serialized
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
