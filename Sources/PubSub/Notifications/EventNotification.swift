import FoundationEssentials
import XMPPCore

/// The event `<message/>`s sent to subscribers (XEP-0060 §7.1.2, §7.2.2, §6.1.7).
enum EventNotification {
    /// `<item id='…' publisher='…'>payload</item>` in the pubsub or pubsub#event namespace. The payload
    /// goes in as its stored serialization, so a fan-out to N subscribers never re-serializes it.
    static func itemElement(_ item: Item, namespace: String, payload: Bool, publisher: Bool) -> XMLElement {
        var attributes = [XMLAttribute("id", value: item.id)]
        if publisher {
            attributes.append(XMLAttribute("publisher", value: item.publisher.description))
        }
        return XMLElement(
            "item",
            namespace: namespace,
            attributes: attributes,
            children: payload ? item.payload.map { [.serialized($0)] } ?? [] : []
        )
    }

    /// `<retract id='…'/>`: the item was deleted.
    static func retractElement(_ itemID: String) -> XMLElement {
        XMLElement("retract", namespace: Namespace.pubsubEvent, attributes: ["id": itemID])
    }

    /// One event message. `subscriptionIDs` become SHIM headers when a JID has several (§12.16);
    /// `delay` stamps a last published item sent after the fact (XEP-0203).
    static func message(
        from service: JID,
        to subscriber: JID,
        id: String,
        type: NotificationType,
        node: String,
        event child: XMLElement?,
        body: String?,
        delay: Date?,
        subscriptionIDs: [String]
    ) -> XMLElement {
        var message = XMLElement(
            "message",
            namespace: Namespace.component,
            attributes: [
                "from": service.description, "to": subscriber.description, "type": type.rawValue, "id": id,
            ]
        )
        if let body {
            message.append(XMLElement("body", namespace: Namespace.component, children: [.text(body)]))
        }
        let items = XMLElement(
            "items",
            namespace: Namespace.pubsubEvent,
            attributes: ["node": node],
            children: child.map { [$0] } ?? []
        )
        message.append(XMLElement("event", namespace: Namespace.pubsubEvent, attributes: [:], children: [items]))
        if let delay {
            message.append(
                XMLElement("delay", namespace: Namespace.delay, attributes: ["stamp": delay.formatted(.iso8601)])
            )
        }
        if subscriptionIDs.count > 1 {
            let headers = subscriptionIDs.map {
                XMLElement(
                    "header",
                    namespace: Namespace.shim,
                    attributes: [XMLAttribute("name", value: "SubID")],
                    children: [.text($0)]
                )
            }
            message.append(XMLElement("headers", namespace: Namespace.shim, attributes: [:], children: headers))
        }
        return message
    }
}
