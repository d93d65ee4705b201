/// An XML element with resolved namespaces, as XMPP stanzas and pubsub payloads are handled.
///
/// Names are local names; prefixes are a serialization detail and are not kept.
/// Attribute order is kept so that `parse(serialize(x)) == x` holds exactly.
package struct XMLElement: Sendable, Hashable {
    package var name: String
    package var namespace: String
    package var attributes: [XMLAttribute]
    package var children: [XMLNode]

    package init(
        _ name: String,
        namespace: String,
        attributes: [XMLAttribute] = [],
        children: [XMLNode] = []
    ) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
    }

    /// Builds an element whose attributes have no namespace, the common case in XMPP.
    package init(
        _ name: String,
        namespace: String,
        attributes: KeyValuePairs<String, String?>,
        children: [XMLElement] = []
    ) {
        self.init(
            name,
            namespace: namespace,
            attributes: attributes.compactMap { key, value in value.map { XMLAttribute(key, value: $0) } },
            children: children.map { .element($0) }
        )
    }

    /// The value of the attribute `name` in `namespace` (no namespace by default).
    package subscript(attribute name: String, namespace namespace: String = "") -> String? {
        get {
            self.attributes.first { $0.name == name && $0.namespace == namespace }?.value
        }
        set {
            let index = self.attributes.firstIndex { $0.name == name && $0.namespace == namespace }
            switch (index, newValue) {
            case (let index?, let value?): self.attributes[index].value = value
            case (let index?, nil): self.attributes.remove(at: index)
            case (nil, let value?): self.attributes.append(XMLAttribute(name, namespace: namespace, value: value))
            case (nil, nil): break
            }
        }
    }

    /// The child elements, skipping text.
    package var elements: [XMLElement] {
        self.children.compactMap {
            if case .element(let element) = $0 { element } else { nil }
        }
    }

    /// The first child element with this name and namespace.
    package func child(_ name: String, namespace: String) -> XMLElement? {
        self.elements.first { $0.name == name && $0.namespace == namespace }
    }

    /// The concatenated text children (not descendants).
    package var text: String {
        self.children.reduce(into: "") { result, node in
            if case .text(let text) = node { result += text }
        }
    }

    package mutating func append(_ element: XMLElement) {
        self.children.append(.element(element))
    }
}

/// An attribute; `namespace` is empty for ordinary unprefixed attributes.
package struct XMLAttribute: Sendable, Hashable {
    package var name: String
    package var namespace: String
    package var value: String

    package init(_ name: String, namespace: String = "", value: String) {
        self.name = name
        self.namespace = namespace
        self.value = value
    }
}

/// A child of an element: another element, character data, or XML already serialized.
package enum XMLNode: Sendable, Hashable {
    case element(XMLElement)
    case text(String)
    /// A complete element already serialized with its own namespace declarations, written verbatim.
    /// It lets one serialization of an item payload serve every notification; the parser never makes one.
    case serialized(String)
}
