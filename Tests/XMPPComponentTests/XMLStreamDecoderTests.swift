import NIOCore
import NIOEmbedded
import Testing
import XMPPCore

@testable import XMPPComponent

@Suite struct XMLStreamDecoderTests {
    @Test func decodesStanzasAcrossReads() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(XMLStreamDecoder(limits: ParserLimits())))
        let text =
            "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='x'>"
            + "<handshake/><message to='a@b'><body>hi</body></message>"
        let bytes = Array(text.utf8)
        for chunk in stride(from: 0, to: bytes.count, by: 7) {
            try channel.writeInbound(ByteBuffer(bytes: bytes[chunk..<min(chunk + 7, bytes.count)]))
        }
        guard case .streamOpened = try channel.readInbound(as: XMLStreamEvent.self) else {
            Issue.record("expected stream open")
            return
        }
        #expect(
            try channel.readInbound(as: XMLStreamEvent.self)
                == .element(XMLElement("handshake", namespace: Namespace.component))
        )
        guard case .element(let message) = try channel.readInbound(as: XMLStreamEvent.self) else {
            Issue.record("expected message")
            return
        }
        #expect(message.child("body", namespace: Namespace.component)?.text == "hi")
        _ = try? channel.finish()
    }

    @Test func refusesRestrictedXMLAsAnError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(XMLStreamDecoder(limits: ParserLimits())))
        let text =
            "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' id='x'><!--c-->"
        #expect(throws: XMLStreamError.self) { try channel.writeInbound(ByteBuffer(string: text)) }
        _ = try? channel.finish()
    }
}
