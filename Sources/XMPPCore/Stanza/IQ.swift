/// A view of an `<iq/>` stanza (RFC 6120 §8.2.3) with builders for its replies.
package struct IQ: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable {
        case get, set, result, error
    }

    package var kind: Kind
    package var id: String
    package var from: JID
    package var to: JID
    /// The single child of a get or set; RFC 6120 §8.2.3 requires exactly one.
    package var payload: XMLElement?

    /// Reads an IQ; nil if `element` is not an IQ with a valid type, id, from and to.
    package init?(_ element: XMLElement) {
        guard element.name == "iq",
            let kind = element[attribute: "type"].flatMap(Kind.init(rawValue:)),
            let id = element[attribute: "id"],
            let from = element[attribute: "from"].flatMap({ try? JID($0) }),
            let to = element[attribute: "to"].flatMap({ try? JID($0) })
        else { return nil }
        self.kind = kind
        self.id = id
        self.from = from
        self.to = to
        let children = element.elements
        self.payload = children.count == 1 ? children[0] : nil
    }

    package init(kind: Kind, id: String, from: JID, to: JID, payload: XMLElement? = nil) {
        self.kind = kind
        self.id = id
        self.from = from
        self.to = to
        self.payload = payload
    }

    package var element: XMLElement {
        XMLElement(
            "iq",
            namespace: Namespace.component,
            attributes: [
                "type": self.kind.rawValue, "id": self.id, "from": self.from.description, "to": self.to.description,
            ],
            children: self.payload.map { [$0] } ?? []
        )
    }

    /// The result reply, from the addressee back to the requester.
    package func result(_ payload: XMLElement? = nil) -> XMLElement {
        IQ(kind: .result, id: self.id, from: self.to, to: self.from, payload: payload).element
    }

    /// The error reply. RFC 6120 §8.3.1 allows echoing the request payload, which Herald does not, to
    /// keep replies small; `detail` is what a protocol asks to be returned with the error instead
    /// (XEP-0060 §8.8.2.4: the entries that could not be changed).
    package func error(_ error: StanzaError, detail: XMLElement? = nil) -> XMLElement {
        var element = IQ(kind: .error, id: self.id, from: self.to, to: self.from, payload: detail).element
        element.append(error.element)
        return element
    }
}
