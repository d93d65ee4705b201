import CLibXML2

/// Streaming XML parser over libxml2's SAX2 push parser: bytes in, in any split, stream events out.
///
/// RFC 6120 §11.1 restricted XML is enforced in the callbacks: a DTD, an entity declaration or
/// undeclared entity, a processing instruction or a comment stops the parser before anything is
/// expanded. No external resource is loaded (`XML_PARSE_NONET`, no DTD loading, and never
/// `XML_PARSE_NOENT`). After an error the parser is dead: the caller ends the stream.
///
/// Lives on one thread or event loop; the libxml2 callbacks find it through unretained user data,
/// which is safe because the parser owns the libxml2 context and frees it in `deinit`.
package final class XMLStreamParser {
    /// Input is fed to libxml2 in pieces of this size, which bounds the error of the stanza byte count.
    private static let pieceSize = 4096

    private var context: xmlParserCtxtPtr?
    private var assembler: StanzaAssembler
    private let limits: ParserLimits
    private var events: [XMLStreamEvent] = []
    private var failure: XMLStreamError?
    private var bytesSinceLastElement = 0
    private var elementCompletedInPiece = false

    /// libxml2's global set-up is not reentrant: run it once, before any thread makes a parser.
    private static let libraryInitialized: Void = xmlInitParser()

    package init(mode: StanzaAssembler.Mode, limits: ParserLimits = ParserLimits()) {
        Self.libraryInitialized
        self.limits = limits
        self.assembler = StanzaAssembler(mode: mode, limits: limits)
        var handler = Self.makeSAXHandler()
        self.context = xmlCreatePushParserCtxt(&handler, nil, nil, 0, nil)
        guard let context = self.context else { return }
        context.pointee.userData = Unmanaged.passUnretained(self).toOpaque()
        xmlCtxtUseOptions(context, Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue))
    }

    deinit {
        if let context = self.context {
            xmlFreeParserCtxt(context)
        }
    }

    /// Feeds bytes; returns the events they completed.
    package func parse(_ bytes: UnsafeRawBufferPointer) throws(XMLStreamError) -> [XMLStreamEvent] {
        try self.checkUsable()
        var offset = 0
        while offset < bytes.count {
            let count = min(Self.pieceSize, bytes.count - offset)
            self.bytesSinceLastElement += count
            self.elementCompletedInPiece = false
            let base = bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self)
            xmlParseChunk(self.context, base, Int32(count), 0)
            offset += count
            if let failure = self.failure {
                self.events.removeAll()
                throw failure
            }
            if self.elementCompletedInPiece {
                // The rest of this piece may already belong to the next stanza; counting it from
                // zero undercounts by less than one piece, which is the accuracy promised.
                self.bytesSinceLastElement = 0
            } else if self.bytesSinceLastElement > self.limits.maxStanzaBytes {
                self.fail(XMLStreamError(.policyViolation, "stanza larger than \(self.limits.maxStanzaBytes) bytes"))
                throw self.failure!
            }
        }
        defer { self.events.removeAll(keepingCapacity: true) }
        return self.events
    }

    package func parse(_ bytes: [UInt8]) throws(XMLStreamError) -> [XMLStreamEvent] {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(XMLStreamError) in try self.parse(buffer) }
        }
        return try result.get()
    }

    /// Tells the parser the input is complete; a document must have closed its root by now.
    package func finish() throws(XMLStreamError) -> [XMLStreamEvent] {
        try self.checkUsable()
        xmlParseChunk(self.context, nil, 0, 1)
        if let failure = self.failure {
            throw failure
        }
        defer { self.events.removeAll() }
        return self.events
    }

    /// Parses one complete document, such as a stored item payload, into its root element.
    package static func parseDocument(
        _ text: String,
        limits: ParserLimits = ParserLimits()
    ) throws(XMLStreamError)
        -> XMLElement
    {
        let parser = XMLStreamParser(mode: .document, limits: limits)
        // Parse the string's own UTF-8 storage: stored payloads are read on every items request.
        var text = text
        let parsed = text.withUTF8 { utf8 in
            Result { () throws(XMLStreamError) in try parser.parse(UnsafeRawBufferPointer(utf8)) }
        }
        var events = try parsed.get()
        events += try parser.finish()
        guard events.count == 1, case .element(let root) = events[0] else {
            throw XMLStreamError(.notWellFormed, "document has no root element")
        }
        return root
    }

    private func checkUsable() throws(XMLStreamError) {
        if let failure = self.failure { throw failure }
        if self.context == nil { throw XMLStreamError(.notWellFormed, "libxml2 could not allocate a parser") }
    }

    private func fail(_ error: XMLStreamError) {
        guard self.failure == nil else { return }
        self.failure = error
        xmlStopParser(self.context)
    }

    // MARK: Callback targets

    func elementStarted(_ element: XMLElement) {
        guard self.failure == nil else { return }
        do {
            if let event = try self.assembler.elementStarted(element) {
                self.events.append(event)
                self.elementCompletedInPiece = true
            }
        } catch {
            self.fail(error)
        }
    }

    func elementEnded() {
        guard self.failure == nil else { return }
        if let event = self.assembler.elementEnded() {
            self.events.append(event)
            self.elementCompletedInPiece = true
        }
    }

    func charactersReceived(_ text: String) {
        guard self.failure == nil else { return }
        self.assembler.charactersReceived(text)
    }

    func restrictedXMLFound(_ what: String) {
        self.fail(XMLStreamError(.restrictedXML, "\(what) is not allowed in XMPP (RFC 6120 §11.1)"))
    }

    func libxmlErrorReported(code: Int32, message: String) {
        if code == Int32(XML_ERR_UNDECLARED_ENTITY.rawValue) || code == Int32(XML_WAR_UNDECLARED_ENTITY.rawValue) {
            self.restrictedXMLFound("an entity reference other than the predefined ones")
        } else {
            self.fail(XMLStreamError(.notWellFormed, message))
        }
    }
}

@available(*, unavailable)
extension XMLStreamParser: Sendable {}
