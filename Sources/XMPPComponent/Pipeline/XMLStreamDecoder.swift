package import NIOCore
package import XMPPCore

/// Feeds inbound bytes to the libxml2 push parser and fires one `XMLStreamEvent` per stanza.
package final class XMLStreamDecoder: ByteToMessageDecoder {
    package typealias InboundOut = XMLStreamEvent

    private let parser: XMLStreamParser

    package init(limits: ParserLimits) {
        self.parser = XMLStreamParser(mode: .stream, limits: limits)
    }

    package func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let events = try buffer.withUnsafeReadableBytes { try self.parser.parse($0) }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        for event in events {
            context.fireChannelRead(self.wrapInboundOut(event))
        }
        return .needMoreData
    }

    package func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        try self.decode(context: context, buffer: &buffer)
    }
}

@available(*, unavailable)
extension XMLStreamDecoder: Sendable {}
