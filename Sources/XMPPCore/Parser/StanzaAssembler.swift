/// Turns SAX events into stream events: depth-1 elements come out as whole trees.
///
/// Pure state, no I/O: the libxml2 shell feeds it, tests can too. In `.stream` mode the
/// root is the XMPP stream and its children are the output; in `.document` mode the root
/// itself is the single output (used to read stored payloads back).
package struct StanzaAssembler {
    package enum Mode: Sendable {
        case stream
        case document
    }

    private let mode: Mode
    private let limits: ParserLimits
    /// Open elements of the stanza being built, outermost first.
    private var open: [XMLElement] = []
    private var rootOpened = false
    /// Character data not yet attached, so that text delivered in many pieces is joined in linear time.
    private var pendingText = ""

    package init(mode: Mode, limits: ParserLimits) {
        self.mode = mode
        self.limits = limits
    }

    package mutating func elementStarted(_ element: XMLElement) throws(XMLStreamError) -> XMLStreamEvent? {
        if element.attributes.count > self.limits.maxAttributes {
            throw XMLStreamError(.policyViolation, "element has more than \(self.limits.maxAttributes) attributes")
        }
        if self.mode == .stream && !self.rootOpened {
            guard element.name == "stream", element.namespace == Namespace.streams else {
                throw XMLStreamError(.invalidNamespace, "stream root must be <stream:stream/> in \(Namespace.streams)")
            }
            self.rootOpened = true
            return .streamOpened(element)
        }
        if self.mode == .document && self.rootOpened && self.open.isEmpty {
            throw XMLStreamError(.notWellFormed, "more than one root element")
        }
        self.rootOpened = true
        self.flushText()
        // The stream root is never in `open`, so this is the depth inside the stanza (or document).
        if self.open.count + 1 > self.limits.maxDepth {
            throw XMLStreamError(.policyViolation, "elements nested deeper than \(self.limits.maxDepth)")
        }
        self.open.append(element)
        return nil
    }

    package mutating func elementEnded() -> XMLStreamEvent? {
        self.flushText()
        guard let finished = self.open.popLast() else {
            // Only the stream root closes with nothing open.
            return .streamClosed
        }
        guard let parentIndex = self.open.indices.last else {
            return .element(finished)
        }
        self.open[parentIndex].children.append(.element(finished))
        return nil
    }

    package mutating func charactersReceived(_ text: String) {
        // Whitespace between stanzas (keepalives) belongs to no element and is dropped.
        guard !self.open.isEmpty else { return }
        self.pendingText += text
    }

    private mutating func flushText() {
        guard !self.pendingText.isEmpty, let index = self.open.indices.last else { return }
        self.open[index].children.append(.text(self.pendingText))
        self.pendingText = ""
    }
}
