import XMPPCore

/// The event `<message/>`s sent to subscribers (XEP-0060 §7.1.2.1 publish, §7.2.2.1 retract).
enum EventNotification {
    static func message(from service: JID, to subscriber: JID, id: String, node: String, item: Item) -> XMLElement {
        self.event(
            from: service,
            to: subscriber,
            id: id,
            node: node,
            self.itemElement(item, namespace: Namespace.pubsubEvent)
        )
    }

    /// `<items node='…'><retract id='…'/></items>`: the item was deleted.
    static func retraction(
        from service: JID,
        to subscriber: JID,
        id: String,
        node: String,
        itemID: String
    ) -> XMLElement {
        let retract = XMLElement("retract", namespace: Namespace.pubsubEvent, attributes: ["id": itemID])
        return self.event(from: service, to: subscriber, id: id, node: node, retract)
    }

    /// `<item id='…'>payload</item>` in the pubsub or pubsub#event namespace. The payload goes in as its
    /// stored serialization, so a fan-out to N subscribers or an items reply never re-serializes it.
    static func itemElement(_ item: Item, namespace: String) -> XMLElement {
        XMLElement(
            "item",
            namespace: namespace,
            attributes: [XMLAttribute("id", value: item.id)],
            children: item.payload.map { [.serialized($0)] } ?? []
        )
    }

    private static func event(
        from service: JID,
        to subscriber: JID,
        id: String,
        node: String,
        _ child: XMLElement
    )
        -> XMLElement
    {
        let items = XMLElement("items", namespace: Namespace.pubsubEvent, attributes: ["node": node], children: [child])
        // `headline`: a notification is not a chat message and must not be stored offline as one.
        return XMLElement(
            "message",
            namespace: Namespace.component,
            attributes: ["from": service.description, "to": subscriber.description, "type": "headline", "id": id],
            children: [XMLElement("event", namespace: Namespace.pubsubEvent, attributes: [:], children: [items])]
        )
    }
}
