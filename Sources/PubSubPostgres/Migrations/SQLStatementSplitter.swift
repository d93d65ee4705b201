/// Splits a migration file into statements at top-level semicolons.
///
/// postgres-nio speaks only the extended query protocol, which takes one statement per query,
/// so a file of several statements is sent one statement at a time. Semicolons inside quotes,
/// quoted identifiers, comments and dollar-quoted bodies do not split.
enum SQLStatementSplitter {
    static func split(_ sql: String) -> [String] {
        let scalars = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let statement = String(current).trimmingWhitespace()
            if !statement.isEmpty && !statement.isOnlyComments { statements.append(statement) }
            current = String.UnicodeScalarView()
        }

        /// Copies scalars up to and including `terminator`, starting after the opening one.
        func copy(until terminator: [Unicode.Scalar]) {
            while index < scalars.count {
                if scalars[index...].starts(with: terminator) {
                    current.append(contentsOf: terminator)
                    index += terminator.count
                    return
                }
                current.append(scalars[index])
                index += 1
            }
        }

        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            switch (scalar, next) {
            case (";", _):
                index += 1
                flush()
            case ("'", _), ("\"", _):
                current.append(scalar)
                index += 1
                copy(until: [scalar])
            case ("-", "-"):
                copy(until: ["\n"])
            case ("/", "*"):
                current.append(contentsOf: ["/", "*"])
                index += 2
                copy(until: ["*", "/"])
            case ("$", _):
                // A dollar quote is $tag$ … $tag$ with an optional identifier tag.
                var end = index + 1
                while end < scalars.count,
                    scalars[end] == "_" || scalars[end].properties.isAlphabetic || ("0"..."9").contains(scalars[end])
                {
                    end += 1
                }
                if end < scalars.count, scalars[end] == "$" {
                    let tag = Array(scalars[index...end])
                    current.append(contentsOf: tag)
                    index = end + 1
                    copy(until: tag)
                } else {
                    current.append(scalar)
                    index += 1
                }
            default:
                current.append(scalar)
                index += 1
            }
        }
        flush()
        return statements
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = self.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    /// True when every line is a `--` comment, as in a file's trailing comment after the last semicolon.
    fileprivate var isOnlyComments: Bool {
        self.split(separator: "\n").allSatisfy { $0.drop(while: \.isWhitespace).hasPrefix("--") }
    }
}
