import XMPPCore

/// The `<body/>` for subscribers with `pubsub#include_body` (XEP-0060 §12.8). Herald does not know
/// payload formats, so its one defined transformation is generic: the payload's character data,
/// whitespace collapsed, cut at `maxCharacters`. A payload without text gets no body.
enum EventBody {
    static let maxCharacters = 1000

    static func summary(ofSerialized payload: String) -> String? {
        guard let element = try? XMLStreamParser.parseDocument(payload) else { return nil }
        var text = ""
        self.collect(element, into: &text)
        let words = text.split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return nil }
        return String(words.joined(separator: " ").prefix(self.maxCharacters))
    }

    private static func collect(_ element: XMLElement, into text: inout String) {
        for child in element.children {
            switch child {
            case .text(let value):
                text += value
                text += " "
            case .element(let element):
                self.collect(element, into: &text)
            case .serialized:
                break
            }
        }
    }
}
