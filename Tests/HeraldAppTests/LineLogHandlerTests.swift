import Logging
import Synchronization
import Testing

@testable import HeraldApp

@Suite struct LineLogHandlerTests {
    final class Lines: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { self.lines.withLock { $0.append(line) } }
        var all: [String] { self.lines.withLock { $0 } }
    }

    /// One warning with awkward metadata, logged in `format`; the debug line below the level is dropped.
    static func line(_ format: LineLogHandler.Format) -> String {
        let lines = Lines()
        let logger = Logger(label: "t") { label in
            LineLogHandler(label: label, format: format, level: .info) { lines.append($0) }
        }
        logger.debug("hidden")
        logger.warning("request refused", metadata: ["xmpp.error": "item-not-found", "pubsub.node": "a \"b\"\nc"])
        #expect(lines.all.count == 1)
        return lines.all.first ?? ""
    }

    @Test func logfmtIsOneLineOfKeyValuePairs() {
        let line = Self.line(.logfmt)
        #expect(line.hasPrefix("time="))
        #expect(line.contains(" level=warning msg=\"request refused\" "))
        #expect(line.hasSuffix(" pubsub.node=\"a \\\"b\\\"\\nc\" xmpp.error=item-not-found\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test func jsonIsOneObjectPerLine() {
        let line = Self.line(.json)
        #expect(line.hasPrefix("{\"time\":\""))
        #expect(line.contains(",\"level\":\"warning\",\"msg\":\"request refused\","))
        #expect(line.hasSuffix(",\"pubsub.node\":\"a \\\"b\\\"\\nc\",\"xmpp.error\":\"item-not-found\"}\n"))
    }
}
