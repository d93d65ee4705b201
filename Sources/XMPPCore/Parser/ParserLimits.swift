/// Bounds on what the stream parser accepts, so one peer cannot exhaust memory.
package struct ParserLimits: Sendable, Hashable {
    /// Largest stanza in bytes of the stream (RFC 6120 §13.12 asks for at least 10000).
    package var maxStanzaBytes: Int
    /// Deepest element nesting inside one stanza; the stanza itself is depth 1.
    package var maxDepth: Int
    /// Most attributes on one element.
    package var maxAttributes: Int

    package init(maxStanzaBytes: Int = 1 << 20, maxDepth: Int = 64, maxAttributes: Int = 64) {
        self.maxStanzaBytes = maxStanzaBytes
        self.maxDepth = maxDepth
        self.maxAttributes = maxAttributes
    }
}
