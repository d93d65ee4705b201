/// A bounded slice of a node's items.
package struct ItemPage: Sendable, Hashable {
    /// Newest first.
    package var items: [Item]
    /// How many items the node has in all.
    package var total: Int
    /// The index of `items.first` among all items, newest first.
    package var firstIndex: Int

    package init(items: [Item], total: Int, firstIndex: Int) {
        self.items = items
        self.total = total
        self.firstIndex = firstIndex
    }
}
