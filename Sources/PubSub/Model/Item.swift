package import FoundationEssentials
package import XMPPCore

/// A published item.
package struct Item: Sendable, Hashable {
    /// The ItemID, unique within its node.
    package var id: String
    /// The single payload element; nil only for nodes that do not deliver payloads.
    package var payload: XMLElement?
    /// The bare JID of the publisher.
    package var publisher: JID
    package var publishedAt: Date

    package init(id: String, payload: XMLElement?, publisher: JID, publishedAt: Date) {
        self.id = id
        self.payload = payload
        self.publisher = publisher
        self.publishedAt = publishedAt
    }
}
