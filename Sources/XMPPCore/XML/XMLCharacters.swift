/// XML 1.0's `Char` production (§2.2): the characters a document may hold at all. Text from the
/// parser always qualifies; text from elsewhere (an HTTP body, a path, the command line) must be
/// checked before it goes into a stanza, or the XMPP server closes the stream on it.
package enum XMLCharacters {
    package static func areValid(_ text: some StringProtocol) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            switch scalar.value {
            case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
            default: false
            }
        }
    }

    /// Every attribute value and text node of `element` and its descendants.
    package static func areValid(in element: XMLElement) -> Bool {
        element.attributes.allSatisfy { Self.areValid($0.value) }
            && element.children.allSatisfy { child in
                switch child {
                case .element(let child): Self.areValid(in: child)
                case .text(let text): Self.areValid(text)
                case .serialized: true  // serialized by Herald from checked or parsed content
                }
            }
    }
}
