import Testing

@testable import XMPPCore

@Suite struct XMLSerializerTests {
    @Test func escapesTextAndAttributes() {
        let element = XMLElement(
            "a",
            namespace: "urn:a",
            attributes: [XMLAttribute("v", value: "<\"'&>\n\t\r")],
            children: [.text("<&>\r\"'")]
        )
        #expect(
            XMLSerializer.serialize(element)
                == "<a xmlns=\"urn:a\" v=\"&lt;&quot;&apos;&amp;&gt;&#xA;&#x9;&#xD;\">&lt;&amp;&gt;&#xD;\"'</a>"
        )
    }

    @Test func declaresOnlyNeededNamespaces() {
        let element = XMLElement(
            "iq",
            namespace: Namespace.component,
            attributes: ["type": "get"],
            children: [
                XMLElement(
                    "query",
                    namespace: Namespace.discoInfo,
                    attributes: [:],
                    children: [XMLElement("x", namespace: Namespace.discoInfo)]
                ),
                XMLElement("plain", namespace: ""),
            ]
        )
        #expect(
            XMLSerializer.serialize(element, inheritedNamespace: Namespace.component)
                == "<iq type=\"get\"><query xmlns=\"\(Namespace.discoInfo)\"><x/></query><plain xmlns=\"\"/></iq>"
        )
    }

    @Test func writesSerializedChildrenVerbatim() throws {
        let payload = XMLElement("p", namespace: "urn:p", children: [.text("a & b")])
        let stored = XMLSerializer.serialize(payload)
        let item = XMLElement("item", namespace: Namespace.pubsubEvent, children: [.serialized(stored)])
        let text = XMLSerializer.serialize(item)
        #expect(text == "<item xmlns=\"\(Namespace.pubsubEvent)\"><p xmlns=\"urn:p\">a &amp; b</p></item>")
        #expect(try XMLStreamParser.parseDocument(text).elements == [payload])
    }

    @Test(arguments: 0..<200) func parseOfSerializeIsIdentity(seed: UInt64) throws {
        var generator = SplitMix64(seed: seed)
        let element = RandomXML.element(depth: 0, using: &generator)
        let text = XMLSerializer.serialize(element)
        #expect(try XMLStreamParser.parseDocument(text) == element, "\(text)")
    }
}

/// Random element trees covering the cases that break serializers: escaping, namespaces, mixed content.
enum RandomXML {
    static let names = ["a", "item", "entry", "x-y", "z.1", "_u"]
    static let namespaces = ["", "urn:a", "urn:b", "http://jabber.org/protocol/pubsub", "urn:q?x=1&y='2'"]
    static let texts = ["", "plain", "a & b", "<tag>", "]]>", "quote \" and '", "tab\tnew\nline\r\n", "héllo ✓ 🎉", " "]

    static func element(depth: Int, using generator: inout some RandomNumberGenerator) -> XMLElement {
        var element = XMLElement(
            self.names.randomElement(using: &generator)!,
            namespace: self.namespaces.randomElement(using: &generator)!
        )
        var used = Set<String>()
        for _ in 0..<Int.random(in: 0...3, using: &generator) {
            let name = self.names.randomElement(using: &generator)!
            let namespace =
                Bool.random(using: &generator) ? "" : ["urn:attr", Namespace.xml].randomElement(using: &generator)!
            guard used.insert(namespace + " " + name).inserted else { continue }
            element.attributes.append(
                XMLAttribute(name, namespace: namespace, value: self.texts.randomElement(using: &generator)!)
            )
        }
        guard depth < 4 else { return element }
        var lastWasText = false
        for _ in 0..<Int.random(in: 0...4, using: &generator) {
            // Adjacent or empty text nodes cannot survive a parse, so the generator never makes them.
            if !lastWasText && Bool.random(using: &generator) {
                let text = self.texts.randomElement(using: &generator)!
                guard !text.isEmpty else { continue }
                element.children.append(.text(text))
                lastWasText = true
            } else {
                element.children.append(.element(self.element(depth: depth + 1, using: &generator)))
                lastWasText = false
            }
        }
        return element
    }
}
