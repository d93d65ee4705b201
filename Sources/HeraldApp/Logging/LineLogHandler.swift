import FoundationEssentials
package import Logging
import NIOConcurrencyHelpers
import SystemPackage

private let standardErrorLock = NIOLockedValueBox(())

/// One log line per event on standard error, as `logfmt` (`time=… level=… msg="…" key=value`) or
/// JSON (one object per line), for log collectors.
package struct LineLogHandler: LogHandler {
    package enum Format: Sendable {
        case logfmt, json
    }

    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    let label: String
    let format: Format
    let write: @Sendable (String) -> Void

    package init(
        label: String,
        format: Format,
        level: Logger.Level,
        write: @escaping @Sendable (String) -> Void = { line in
            // One writer at a time, so that lines from different threads never interleave.
            standardErrorLock.withLockedValue { _ in _ = try? FileDescriptor.standardError.writeAll(line.utf8) }
        }
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.write = write
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var fields = self.metadata
        if let extra = event.metadata {
            fields.merge(extra) { _, new in new }
        }
        let time = Date().formatted(.iso8601)
        let keys = fields.keys.sorted()
        switch self.format {
        case .json:
            var object = [
                "\"time\":\(Self.json(time))", "\"level\":\(Self.json(event.level.rawValue))",
                "\"msg\":\(Self.json(event.message.description))", "\"source\":\(Self.json(event.source))",
            ]
            object += keys.map { "\(Self.json($0)):\(Self.json("\(fields[$0]!)"))" }
            self.write("{" + object.joined(separator: ",") + "}\n")
        case .logfmt:
            var pairs = [
                "time=\(time)", "level=\(event.level.rawValue)", "msg=\(Self.logfmt(event.message.description))",
                "source=\(Self.logfmt(event.source))",
            ]
            pairs += keys.map { "\($0)=\(Self.logfmt("\(fields[$0]!)"))" }
            self.write(pairs.joined(separator: " ") + "\n")
        }
    }

    /// A logfmt value: bare when it has no space, control character, quote or equals sign, else
    /// quoted and escaped, so that a value from a stanza can never start a line of its own.
    static func logfmt(_ value: String) -> String {
        let plain =
            !value.isEmpty
            && !value.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F || $0 == "\"" || $0 == "=" }
        return plain ? value : Self.json(value)
    }

    /// A JSON string literal.
    static func json(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
