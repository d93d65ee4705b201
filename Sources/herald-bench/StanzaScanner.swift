import NIOCore

/// What the bench needs of a stanza: its name, its `id`, `type` and `to`, the id of the first
/// `<item/>` inside it (a notification's item), and, except in messages, the text inside it (the
/// handshake's, a bound JID).
struct BenchStanza: Sendable, CustomStringConvertible {
    var name: String
    var id: String?
    var type: String?
    var to: String?
    var itemID: String?
    var text = ""
    /// When the read that completed it came off the socket: latencies are measured to here, on
    /// the event loop, not to when a task got round to the stanza.
    var arrived: ContinuousClock.Instant

    var description: String { "<\(self.name) id='\(self.id ?? "")' type='\(self.type ?? "")'>\(self.text)" }
}

/// Splits an XMPP stream (Herald's component stream, or a client stream from Prosody) into stanzas
/// without building XML trees.
///
/// The bench must read hundreds of thousands of notifications a second on a core it shares with
/// Herald, so it cannot afford the product's parser, which builds every element. This scanner
/// tracks element depth only, reads the attributes of each stanza and of `<item/>` elements, and
/// is exact for well-formed output without comments, CDATA or DTDs, which is what Herald writes
/// (its parser, not this one, is what guards Herald's input).
struct StanzaScanner: ByteToMessageDecoder {
    typealias InboundOut = [BenchStanza]

    enum Failure: Error {
        case malformed(String)
    }

    /// 0 before the stream header; stanzas are the elements at depth 1.
    private var depth = 0
    private var current: BenchStanza?

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var stanzas: [BenchStanza] = []
        let arrived = ContinuousClock.now
        let consumed = try buffer.withUnsafeReadableBytes { bytes in
            try self.scan(bytes, arrived: arrived, into: &stanzas)
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        if !stanzas.isEmpty {
            context.fireChannelRead(Self.wrapInboundOut(stanzas))
        }
        return consumed > 0 ? .continue : .needMoreData
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        _ = try self.decode(context: context, buffer: &buffer)
        return .needMoreData
    }

    /// Scans whole tags only; returns how many bytes it consumed (up to the last complete tag or text).
    private mutating func scan(
        _ bytes: UnsafeRawBufferPointer,
        arrived: ContinuousClock.Instant,
        into stanzas: inout [BenchStanza]
    ) throws -> Int {
        // A stanza may span reads: depth and the stanza begun are kept; only whole tags are consumed.
        var position = 0
        var consumed = 0
        while position < bytes.count {
            guard bytes[position] == UInt8(ascii: "<") else {
                // Text: kept for stanzas other than messages, whose payloads the bench does not read.
                guard let end = Self.find(UInt8(ascii: "<"), in: bytes, from: position) else { break }
                if self.depth >= 2, self.current != nil, self.current?.name != "message" {
                    self.current!.text += String(
                        decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<end]),
                        as: UTF8.self
                    )
                }
                position = end
                consumed = position
                continue
            }
            guard let close = Self.tagEnd(bytes, from: position) else { break }
            let tag = UnsafeRawBufferPointer(rebasing: bytes[(position + 1)..<close])
            position = close + 1
            consumed = position
            guard let first = tag.first else { throw Failure.malformed("empty tag") }
            if first == UInt8(ascii: "?") { continue }  // the XML declaration
            if first == UInt8(ascii: "!") { throw Failure.malformed("comments, CDATA and DTDs are not expected") }
            if first == UInt8(ascii: "/") {
                self.depth -= 1
                if self.depth == 1 { self.finishCurrent(arrived: arrived, into: &stanzas) }
                if self.depth == 0 {
                    stanzas.append(BenchStanza(name: "/stream", arrived: arrived))
                }
                continue
            }
            let selfClosing = tag.last == UInt8(ascii: "/")
            let element = try Self.startTag(
                UnsafeRawBufferPointer(rebasing: tag[0..<(selfClosing ? tag.count - 1 : tag.count)]),
                header: self.depth == 0,
                arrived: arrived
            )
            if self.depth == 0 || (self.depth == 1 && element.name == "stream") {
                // The stream header stays open until the end; a client's stream restarts after
                // authentication with a new header at the same level.
                stanzas.append(element)
                self.depth = 1
                continue
            }
            if self.depth == 1 {
                self.current = element
            } else if element.name == "item", self.current?.itemID == nil {
                self.current?.itemID = element.id
            }
            if selfClosing {
                if self.depth == 1 { self.finishCurrent(arrived: arrived, into: &stanzas) }
            } else {
                self.depth += 1
            }
        }
        return consumed
    }

    private static func find(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == byte { return index }
            index += 1
        }
        return nil
    }

    /// The index of the `>` that ends the tag opened at `start`, skipping quoted attribute values.
    private static func tagEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var quote: UInt8?
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                return index
            }
            index += 1
        }
        return nil
    }

    /// Hands on the stanza begun, stamped with the read that completed it (it may have begun in
    /// an earlier one).
    private mutating func finishCurrent(arrived: ContinuousClock.Instant, into stanzas: inout [BenchStanza]) {
        guard var stanza = self.current else { return }
        stanza.arrived = arrived
        stanzas.append(stanza)
        self.current = nil
    }

    /// The local name of a start tag and the attributes the bench reads (values not unescaped);
    /// `to` in the stream header, where it is checked, and in messages, whose subscriber a
    /// component-mode run needs to count each notification once.
    private static func startTag(
        _ tag: UnsafeRawBufferPointer,
        header: Bool,
        arrived: ContinuousClock.Instant
    ) throws -> BenchStanza {
        var index = 0
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }
        func localName(until stop: (UInt8) -> Bool) -> Range<Int> {
            var start = index
            while index < tag.count, !stop(tag[index]) {
                if tag[index] == UInt8(ascii: ":") { start = index + 1 }
                index += 1
            }
            return start..<index
        }
        func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: tag[range]), as: UTF8.self)
        }
        func equals(_ range: Range<Int>, _ name: StaticString) -> Bool {
            range.count == name.utf8CodeUnitCount
                && zip(tag[range], UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
                    .allSatisfy(==)
        }
        var element = BenchStanza(name: text(localName(until: isSpace)), arrived: arrived)
        while true {
            while index < tag.count, isSpace(tag[index]) { index += 1 }
            guard index < tag.count else { return element }
            let key = localName { $0 == UInt8(ascii: "=") }
            index += 1
            guard index < tag.count else { throw Failure.malformed("attribute without a value") }
            let quote = tag[index]
            index += 1
            let start = index
            while index < tag.count, tag[index] != quote { index += 1 }
            let value = start..<index
            index += 1
            if equals(key, "id") {
                element.id = text(value)
            } else if equals(key, "type") {
                element.type = text(value)
            } else if (header || element.name == "message") && equals(key, "to") {
                element.to = text(value)
            }
        }
    }
}
