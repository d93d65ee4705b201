/// A bounded slice of a node's newest items.
package struct ItemPage: Sendable, Hashable {
    /// Oldest first.
    package var items: [Item]
    /// How many items the node has in all.
    package var total: Int

    package init(items: [Item], total: Int) {
        self.items = items
        self.total = total
    }

    /// True when older items were left out.
    package var isTruncated: Bool { self.items.count < self.total }
}
