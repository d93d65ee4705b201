/// Decodes the references libxml2 leaves in SAX2 attribute values and namespace URIs.
///
/// Without `XML_PARSE_NOENT` (which must never be set), libxml2 hands attribute values to
/// `startElementNs` with `&` kept as `&#38;`, so that an `&` in the value always starts a
/// reference. Only character references and the five predefined entities can occur: any other
/// entity is refused by the parser before the value reaches us.
enum AttributeValueDecoder {
    static func decode(_ raw: String) -> String {
        guard raw.utf8.contains(UInt8(ascii: "&")) else { return raw }
        var output = ""
        var rest = Substring(raw)
        while let ampersand = rest.firstIndex(of: "&") {
            output += rest[..<ampersand]
            guard let semicolon = rest[ampersand...].firstIndex(of: ";") else {
                output += rest[ampersand...]
                return output
            }
            let name = rest[rest.index(after: ampersand)..<semicolon]
            if let scalar = Self.resolve(name) {
                output.unicodeScalars.append(scalar)
            } else {
                output += rest[ampersand...semicolon]
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        output += rest
        return output
    }

    private static func resolve(_ name: Substring) -> Unicode.Scalar? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default: break
        }
        let value: UInt32?
        if name.hasPrefix("#x") {
            value = UInt32(name.dropFirst(2), radix: 16)
        } else if name.hasPrefix("#") {
            value = UInt32(name.dropFirst(), radix: 10)
        } else {
            value = nil
        }
        return value.flatMap(Unicode.Scalar.init)
    }
}
