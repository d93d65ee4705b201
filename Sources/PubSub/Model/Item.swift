package import FoundationEssentials
package import XMPPCore

/// A published item.
package struct Item: Sendable, Hashable {
    /// The ItemID, unique within its node.
    package var id: String
    /// The single payload element, serialized once at publish with its own namespace declarations.
    /// It is stored, measured and sent as this text, so no read or fan-out parses or serializes it again.
    /// Nil only for nodes that do not deliver payloads.
    package var payload: String?
    /// The bare JID of the publisher.
    package var publisher: JID
    package var publishedAt: Date

    package init(id: String, payload: String?, publisher: JID, publishedAt: Date) {
        self.id = id
        self.payload = payload
        self.publisher = publisher
        self.publishedAt = publishedAt
    }
}
