/// The configuration of a leaf node (XEP-0060 §16.4.3, `pubsub#node_config`), limited to what Herald implements.
package struct NodeConfiguration: Sendable, Hashable {
    /// `pubsub#title`.
    package var title: String?
    /// `pubsub#max_items`: items kept; the oldest beyond it are removed on publish.
    package var maxItems: Int
    /// `pubsub#access_model`; only `open` exists so far.
    package var accessModel: AccessModel

    package init(
        title: String? = nil,
        maxItems: Int = NodeConfiguration.defaultMaxItems,
        accessModel: AccessModel = .open
    ) {
        self.title = title
        self.maxItems = maxItems
        self.accessModel = accessModel
    }

    package static let defaultMaxItems = 100
    /// What `max` means for `pubsub#max_items`: a bound still exists, so storage stays finite.
    package static let maximumMaxItems = 10_000
}

/// XEP-0060 §4.5 access models.
package enum AccessModel: String, Sendable, Hashable {
    case open
}
