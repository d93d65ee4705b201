import Testing

@testable import XMPPCore

@Suite struct XMLStreamParserTests {
    static let stream = """
        <?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' \
        xmlns:stream='http://etherx.jabber.org/streams' from='pubsub.localhost' id='3BF96D32'>\
        <handshake/> \
        <iq type='set' id='p1' from='alice@localhost/a' to='pubsub.localhost'>\
        <pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='news'>\
        <item id='i1'><entry xmlns='http://www.w3.org/2005/Atom' xmlns:x='urn:x' x:flag='1' xml:lang='fr'>\
        <title>h&#xE9;llo &amp; &lt;b&gt; ✓</title><x:extra a='&quot;&amp;lt;&apos;'/><![CDATA[<raw>]]></entry>\
        </item></publish></pubsub></iq>\
        <message to='bob@localhost' from='pubsub.localhost'><body>hi</body></message>\
        </stream:stream>
        """

    static func parseAll(_ chunks: [[UInt8]], limits: ParserLimits = ParserLimits()) throws -> [XMLStreamEvent] {
        let parser = XMLStreamParser(mode: .stream, limits: limits)
        var events: [XMLStreamEvent] = []
        for chunk in chunks {
            events += try parser.parse(chunk)
        }
        return events
    }

    static func feed(_ text: String, limits: ParserLimits = ParserLimits()) throws -> [XMLStreamEvent] {
        try self.parseAll([Array(text.utf8)], limits: limits)
    }

    @Test func parsesStreamIntoStanzasWithNamespaces() throws {
        let events = try Self.feed(Self.stream)
        #expect(events.count == 5)
        guard case .streamOpened(let root) = events[0] else {
            Issue.record("expected stream open, got \(events[0])")
            return
        }
        #expect(root[attribute: "id"] == "3BF96D32")
        #expect(events[1] == .element(XMLElement("handshake", namespace: Namespace.component)))
        guard case .element(let iq) = events[2] else {
            Issue.record("expected iq")
            return
        }
        #expect(iq.name == "iq" && iq.namespace == Namespace.component)
        let entry = try #require(
            iq.child("pubsub", namespace: Namespace.pubsub)?.child("publish", namespace: Namespace.pubsub)?
                .child("item", namespace: Namespace.pubsub)?.child("entry", namespace: "http://www.w3.org/2005/Atom")
        )
        #expect(entry[attribute: "flag", namespace: "urn:x"] == "1")
        #expect(entry[attribute: "lang", namespace: Namespace.xml] == "fr")
        #expect(entry.child("title", namespace: "http://www.w3.org/2005/Atom")?.text == "héllo & <b> ✓")
        #expect(entry.child("extra", namespace: "urn:x")?[attribute: "a"] == "\"&lt;'")
        #expect(entry.text == "<raw>")
        #expect(events[4] == .streamClosed)
    }

    @Test func byteAtATimeGivesTheSameEvents() throws {
        let whole = try Self.feed(Self.stream)
        let bytes = Array(Self.stream.utf8)
        #expect(try Self.parseAll(bytes.map { [$0] }) == whole)
    }

    @Test(arguments: 1...20) func randomSplitsGiveTheSameEvents(seed: UInt64) throws {
        let whole = try Self.feed(Self.stream)
        var generator = SplitMix64(seed: seed)
        var bytes = Array(Self.stream.utf8)[...]
        var chunks: [[UInt8]] = []
        while !bytes.isEmpty {
            let count = Int.random(in: 1...min(bytes.count, 64), using: &generator)
            chunks.append(Array(bytes.prefix(count)))
            bytes = bytes.dropFirst(count)
        }
        #expect(try Self.parseAll(chunks) == whole)
    }

    static let header =
        "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>"

    static func expectRefusal(_ text: String, _ kind: XMLStreamError.Kind, limits: ParserLimits = ParserLimits()) {
        #expect(throws: XMLStreamError.self) { try Self.feed(text, limits: limits) }
        do {
            _ = try Self.feed(text, limits: limits)
        } catch let error as XMLStreamError {
            #expect(error.kind == kind, "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func refusesDoctypeAndBillionLaughs() {
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">\
            <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\
            <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>\
            <stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>\
            <message><body>&lol9;</body></message>
            """
        Self.expectRefusal(laughs, .restrictedXML)
        Self.expectRefusal("<!DOCTYPE x SYSTEM 'http://127.0.0.1:1/x.dtd'>" + Self.header, .restrictedXML)
    }

    @Test func refusesUndeclaredEntityCommentAndProcessingInstruction() {
        Self.expectRefusal(Self.header + "<message><body>&ext;</body></message>", .restrictedXML)
        Self.expectRefusal(Self.header + "<!-- hidden --><message/>", .restrictedXML)
        Self.expectRefusal(Self.header + "<message><?php echo 1; ?></message>", .restrictedXML)
    }

    @Test func refusesMalformedXMLAndWrongRoot() {
        Self.expectRefusal(Self.header + "<message><body></message>", .notWellFormed)
        Self.expectRefusal(Self.header + "<message x:y='1'/>", .notWellFormed)
        Self.expectRefusal("<stream xmlns='jabber:component:accept'>", .invalidNamespace)
    }

    @Test func enforcesStanzaSizeLimitAcrossChunks() throws {
        let limits = ParserLimits(maxStanzaBytes: 10_000)
        let big = Self.header + "<message><body>" + String(repeating: "a", count: 20_000) + "</body></message>"
        Self.expectRefusal(big, .policyViolation, limits: limits)
        // Many stanzas that are each under the limit are fine, however long the stream runs.
        let small = "<message><body>" + String(repeating: "b", count: 5_000) + "</body></message>"
        let events = try Self.feed(Self.header + String(repeating: small, count: 10), limits: limits)
        #expect(events.count == 11)
    }

    @Test func enforcesDepthAndAttributeLimits() throws {
        let limits = ParserLimits(maxDepth: 4, maxAttributes: 3)
        #expect(try Self.feed(Self.header + "<a><b><c><d/></c></b></a>", limits: limits).count == 2)
        Self.expectRefusal(Self.header + "<a><b><c><d><e/></d></c></b></a>", .policyViolation, limits: limits)
        Self.expectRefusal(Self.header + "<a w='1' x='1' y='1' z='1'/>", .policyViolation, limits: limits)
    }

    @Test func deadParserKeepsRefusing() throws {
        let parser = XMLStreamParser(mode: .stream)
        #expect(throws: XMLStreamError.self) { try parser.parse(Array((Self.header + "<!-- x -->").utf8)) }
        #expect(throws: XMLStreamError.self) { try parser.parse(Array("<message/>".utf8)) }
    }

    @Test func parsesSingleDocument() throws {
        let element = try XMLStreamParser.parseDocument("<entry xmlns='urn:a'><t>x</t></entry>")
        #expect(
            element
                == XMLElement(
                    "entry",
                    namespace: "urn:a",
                    attributes: [:],
                    children: [
                        XMLElement("t", namespace: "urn:a", children: [.text("x")])
                    ]
                )
        )
        #expect(throws: XMLStreamError.self) { try XMLStreamParser.parseDocument("<a><b></a>") }
        #expect(throws: XMLStreamError.self) { try XMLStreamParser.parseDocument("<a>") }
    }
}

/// A small seeded generator so random tests are repeatable.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
