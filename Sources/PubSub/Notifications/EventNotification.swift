import XMPPCore

/// The event `<message/>` sent to each subscriber when an item is published (XEP-0060 §7.1.2.1).
enum EventNotification {
    static func message(from service: JID, to subscriber: JID, id: String, node: String, item: Item) -> XMLElement {
        let items = XMLElement(
            "items",
            namespace: Namespace.pubsubEvent,
            attributes: ["node": node],
            children: [
                self.itemElement(item, namespace: Namespace.pubsubEvent)
            ]
        )
        // `headline`: a notification is not a chat message and must not be stored offline as one.
        return XMLElement(
            "message",
            namespace: Namespace.component,
            attributes: ["from": service.description, "to": subscriber.description, "type": "headline", "id": id],
            children: [XMLElement("event", namespace: Namespace.pubsubEvent, attributes: [:], children: [items])]
        )
    }

    /// `<item id='…'>payload</item>` in the pubsub or pubsub#event namespace.
    static func itemElement(_ item: Item, namespace: String) -> XMLElement {
        XMLElement(
            "item",
            namespace: namespace,
            attributes: [XMLAttribute("id", value: item.id)],
            children: item.payload.map { [.element($0)] } ?? []
        )
    }
}
