/// Writes `XMLElement` trees as XML text.
///
/// Elements are written in the default namespace, declared only where it differs from the
/// parent's; namespaced attributes get a generated prefix declared on their element
/// (`xml:` is predeclared). Text and attribute values are escaped so that any string
/// survives a round trip through a conforming parser, including CR, LF and tab in attributes.
package enum XMLSerializer {
    /// Serializes `element` as if written inside a parent whose default namespace is `inheritedNamespace`.
    package static func serialize(_ element: XMLElement, inheritedNamespace: String = "") -> String {
        var output: [UInt8] = []
        self.write(element, inheritedNamespace: inheritedNamespace, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends the serialization of `element` to `output`, as UTF-8: bytes, because a fan-out writes
    /// hundreds of thousands of stanzas a second and appending to a `String` re-checks its
    /// encoding at every piece.
    package static func write(_ element: XMLElement, inheritedNamespace: String, into output: inout [UInt8]) {
        output.append(contentsOf: "<".utf8)
        output.append(contentsOf: element.name.utf8)
        if element.namespace != inheritedNamespace {
            output.append(contentsOf: " xmlns=\"".utf8)
            self.escapeAttribute(element.namespace, into: &output)
            output.append(contentsOf: "\"".utf8)
        }
        var declaredPrefixes: [String: String] = [:]
        for attribute in element.attributes {
            output.append(contentsOf: " ".utf8)
            if attribute.namespace == Namespace.xml {
                output.append(contentsOf: "xml:".utf8)
            } else if !attribute.namespace.isEmpty {
                let prefix: String
                if let known = declaredPrefixes[attribute.namespace] {
                    prefix = known
                } else {
                    prefix = "a\(declaredPrefixes.count)"
                    declaredPrefixes[attribute.namespace] = prefix
                    output.append(contentsOf: "xmlns:\(prefix)=\"".utf8)
                    self.escapeAttribute(attribute.namespace, into: &output)
                    output.append(contentsOf: "\" ".utf8)
                }
                output.append(contentsOf: prefix.utf8)
                output.append(contentsOf: ":".utf8)
            }
            output.append(contentsOf: attribute.name.utf8)
            output.append(contentsOf: "=\"".utf8)
            self.escapeAttribute(attribute.value, into: &output)
            output.append(contentsOf: "\"".utf8)
        }
        if element.children.isEmpty {
            output.append(contentsOf: "/>".utf8)
            return
        }
        output.append(contentsOf: ">".utf8)
        for child in element.children {
            switch child {
            case .element(let child):
                self.write(child, inheritedNamespace: element.namespace, into: &output)
            case .text(let text):
                self.escapeText(text, into: &output)
            case .serialized(let xml):
                output.append(contentsOf: xml.utf8)
            }
        }
        output.append(contentsOf: "</".utf8)
        output.append(contentsOf: element.name.utf8)
        output.append(contentsOf: ">".utf8)
    }

    package static func escapeText(_ text: String, into output: inout [UInt8]) {
        // Most text needs no escaping: appended whole, in one copy.
        guard Self.contains(text, any: Self.textSpecials) else {
            output.append(contentsOf: text.utf8)
            return
        }
        // The replaced characters are ASCII, so the other bytes, multi-byte sequences included, pass as they are.
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "&"): output.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): output.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): output.append(contentsOf: "&gt;".utf8)
            // A literal CR would be normalized to LF by the reader (XML 1.0 §2.11).
            case UInt8(ascii: "\r"): output.append(contentsOf: "&#xD;".utf8)
            default: output.append(byte)
            }
        }
    }

    package static func escapeAttribute(_ value: String, into output: inout [UInt8]) {
        guard Self.contains(value, any: Self.attributeSpecials) else {
            output.append(contentsOf: value.utf8)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "&"): output.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): output.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): output.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): output.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): output.append(contentsOf: "&apos;".utf8)
            // Literal whitespace in attributes is normalized to spaces by the reader (XML 1.0 §3.3.3).
            case UInt8(ascii: "\r"): output.append(contentsOf: "&#xD;".utf8)
            case UInt8(ascii: "\n"): output.append(contentsOf: "&#xA;".utf8)
            case UInt8(ascii: "\t"): output.append(contentsOf: "&#x9;".utf8)
            default: output.append(byte)
            }
        }
    }

    /// The bytes `escapeAttribute` replaces (all ASCII, so a UTF-8 byte scan finds them), as a table.
    private static let attributeSpecials = Self.table("&<>\"'\r\n\t")
    /// The bytes `escapeText` replaces.
    private static let textSpecials = Self.table("&<>\r")

    private static func table(_ characters: String) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for byte in characters.utf8 { table[Int(byte)] = true }
        return table
    }

    /// Whether `string` holds a byte marked in `table`: every stanza's attributes and text pass
    /// here, so the scan works on the bytes in place.
    private static func contains(_ string: String, any table: [Bool]) -> Bool {
        var string = string
        return string.withUTF8 { bytes in
            table.withUnsafeBufferPointer { table in bytes.contains { table[Int($0)] } }
        }
    }
}
