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

    /// `<items node='…'>` around an item or a retraction, the content of an item event.
    static func items(node: String, _ child: XMLElement?) -> XMLElement {
        XMLElement(
            "items",
            namespace: Namespace.pubsubEvent,
            attributes: ["node": node],
            children: child.map { [$0] } ?? []
        )
    }

    /// `<subscription node='…' jid='…' subscription='…'/>`: a subscription changed state (§12.11).
    static func subscriptionElement(_ subscription: Subscription) -> XMLElement {
        XMLElement(
            "subscription",
            namespace: Namespace.pubsubEvent,
            attributes: [
                "node": subscription.node, "jid": subscription.jid.description,
                "subscription": subscription.state.rawValue,
            ]
        )
    }

    /// `<retract id='…'/>`: the item was deleted.
    static func retractElement(_ itemID: String) -> XMLElement {
        XMLElement("retract", namespace: Namespace.pubsubEvent, attributes: ["id": itemID])
    }

    /// `<event xmlns='http://jabber.org/protocol/pubsub#event'>child</event>`, serialized as it goes
    /// in a message on the component stream. One event goes to many subscribers: built once, each
    /// message carries the same bytes.
    static func event(_ child: XMLElement) -> XMLNode {
        .serialized(
            XMLSerializer.serialize(
                XMLElement("event", namespace: Namespace.pubsubEvent, children: [.element(child)]),
                inheritedNamespace: Namespace.component
            )
        )
    }

    /// One event message; `event` comes from `event(_:)`. `subscriptionIDs` become SHIM headers
    /// when a JID has several (§12.16); `delay` stamps a last published item sent after the fact (XEP-0203).
    /// With `addresses`, the message goes `to` a multicast service, which copies it to each of them
    /// as a blind copy (XEP-0033 §4.6.3), so that no subscriber learns of another.
    static func message(
        from service: String,
        to subscriber: JID,
        id: String,
        type: NotificationType,
        event: XMLNode,
        body: String? = nil,
        delay: Date? = nil,
        subscriptionIDs: [String] = [],
        addresses: [JID] = []
    ) -> XMLElement {
        var message = XMLElement(
            "message",
            namespace: Namespace.component,
            attributes: [
                "from": service, "to": subscriber.description, "type": type.rawValue, "id": id,
            ]
        )
        if let body {
            message.append(XMLElement("body", namespace: Namespace.component, children: [.text(body)]))
        }
        message.children.append(event)
        if let delay {
            message.append(
                XMLElement("delay", namespace: Namespace.delay, attributes: ["stamp": delay.formatted(.iso8601)])
            )
        }
        if !addresses.isEmpty {
            let bcc = addresses.map {
                XMLElement("address", namespace: Namespace.address, attributes: ["type": "bcc", "jid": $0.description])
            }
            message.append(XMLElement("addresses", namespace: Namespace.address, children: bcc.map { .element($0) }))
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
