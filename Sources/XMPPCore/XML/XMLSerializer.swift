/// Writes `XMLElement` trees as XML text.
///
/// Elements are written in the default namespace, declared only where it differs from the
/// parent's; namespaced attributes get a generated prefix declared on their element
/// (`xml:` is predeclared). Text and attribute values are escaped so that any string
/// survives a round trip through a conforming parser, including CR, LF and tab in attributes.
package enum XMLSerializer {
    /// Serializes `element` as if written inside a parent whose default namespace is `inheritedNamespace`.
    package static func serialize(_ element: XMLElement, inheritedNamespace: String = "") -> String {
        var output = ""
        self.write(element, inheritedNamespace: inheritedNamespace, into: &output)
        return output
    }

    /// Appends the serialization of `element` to `output`.
    package static func write(_ element: XMLElement, inheritedNamespace: String, into output: inout String) {
        output += "<"
        output += element.name
        if element.namespace != inheritedNamespace {
            output += " xmlns=\""
            self.escapeAttribute(element.namespace, into: &output)
            output += "\""
        }
        var declaredPrefixes: [String: String] = [:]
        for attribute in element.attributes {
            output += " "
            if attribute.namespace == Namespace.xml {
                output += "xml:"
            } else if !attribute.namespace.isEmpty {
                let prefix: String
                if let known = declaredPrefixes[attribute.namespace] {
                    prefix = known
                } else {
                    prefix = "a\(declaredPrefixes.count)"
                    declaredPrefixes[attribute.namespace] = prefix
                    output += "xmlns:\(prefix)=\""
                    self.escapeAttribute(attribute.namespace, into: &output)
                    output += "\" "
                }
                output += prefix
                output += ":"
            }
            output += attribute.name
            output += "=\""
            self.escapeAttribute(attribute.value, into: &output)
            output += "\""
        }
        if element.children.isEmpty {
            output += "/>"
            return
        }
        output += ">"
        for child in element.children {
            switch child {
            case .element(let child):
                self.write(child, inheritedNamespace: element.namespace, into: &output)
            case .text(let text):
                self.escapeText(text, into: &output)
            case .serialized(let xml):
                output += xml
            }
        }
        output += "</"
        output += element.name
        output += ">"
    }

    package static func escapeText(_ text: String, into output: inout String) {
        // Most text needs no escaping: appended whole, it costs one copy instead of one append per scalar.
        guard text.utf8.contains(where: Self.needsEscapeInText) else {
            output += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            // A literal CR would be normalized to LF by the reader (XML 1.0 §2.11).
            case "\r": output += "&#xD;"
            default: output.unicodeScalars.append(scalar)
            }
        }
    }

    package static func escapeAttribute(_ value: String, into output: inout String) {
        guard value.utf8.contains(where: Self.needsEscapeInAttribute) else {
            output += value
            return
        }
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            // Literal whitespace in attributes is normalized to spaces by the reader (XML 1.0 §3.3.3).
            case "\r": output += "&#xD;"
            case "\n": output += "&#xA;"
            case "\t": output += "&#x9;"
            default: output.unicodeScalars.append(scalar)
            }
        }
    }

    /// The bytes `escapeAttribute` replaces (all ASCII, so a UTF-8 byte scan finds them).
    private static func needsEscapeInAttribute(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"),
            UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: "\t"):
            true
        default: false
        }
    }

    /// The bytes `escapeText` replaces.
    private static func needsEscapeInText(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\r"): true
        default: false
        }
    }
}
