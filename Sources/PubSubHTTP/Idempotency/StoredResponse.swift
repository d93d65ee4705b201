package import FoundationEssentials

/// A response as it is stored for replay.
package struct StoredResponse: Sendable, Hashable {
    package var status: Int
    package var contentType: String?
    package var location: String?
    package var body: Data

    package init(status: Int, contentType: String?, location: String?, body: Data) {
        self.status = status
        self.contentType = contentType
        self.location = location
        self.body = body
    }
}
