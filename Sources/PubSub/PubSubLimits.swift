/// Service-wide bounds that protect memory and storage.
package struct PubSubLimits: Sendable, Hashable {
    /// Largest serialized item payload (XEP-0060 §7.1.3.4 `payload-too-big`).
    package var maxPayloadBytes: Int
    /// Longest NodeID or ItemID accepted.
    package var maxIDLength: Int

    package init(maxPayloadBytes: Int = 256 * 1024, maxIDLength: Int = 1024) {
        self.maxPayloadBytes = maxPayloadBytes
        self.maxIDLength = maxIDLength
    }
}
