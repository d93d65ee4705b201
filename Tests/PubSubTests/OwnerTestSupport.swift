import Testing
import XMPPCore

@testable import PubSub

extension PubSubTestHarness {
    /// `<iq>` around `<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>inner</pubsub>`.
    static func ownerXML(
        _ type: String,
        from: String = "alice@localhost/a",
        _ inner: String,
        id: String = "o"
    )
        -> String
    {
        "<iq type='\(type)' id='\(id)' from='\(from)' to='pubsub.localhost'>"
            + "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>\(inner)</pubsub></iq>"
    }

    /// The `<pubsub#owner>` child named `name` of a result.
    static func ownerChild(_ reply: XMLElement, _ name: String) -> XMLElement? {
        reply.child("pubsub", namespace: Namespace.pubsubOwner)?.child(name, namespace: Namespace.pubsubOwner)
    }

    /// The entries of an owner list (`subscriptions`, `affiliations`) as `jid=state`.
    static func ownerEntries(_ reply: XMLElement, _ list: String, _ attribute: String) -> [String] {
        (Self.ownerChild(reply, list)?.elements ?? []).map {
            "\($0[attribute: "jid"] ?? "")=\($0[attribute: attribute] ?? "")"
        }
    }

    /// The first element under `<event/>` of a notification, as its recipient reads it.
    static func eventChild(_ message: XMLElement) -> XMLElement? {
        (try? Self.onTheWire(message))?.child("event", namespace: Namespace.pubsubEvent)?.elements.first
    }
}
