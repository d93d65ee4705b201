/// Which slice of a node's items to read. Items are ordered newest first; index 0 is the newest.
package struct ItemQuery: Sendable, Hashable {
    /// Where the page starts, in XEP-0059 terms.
    package enum Start: Sendable, Hashable {
        /// From the newest item.
        case newest
        /// From the item just older than this ItemID (`<after/>`).
        case after(String)
        /// The items just newer than this ItemID (`<before>id</before>`), ending next to it.
        case before(String)
        /// The oldest items (an empty `<before/>`).
        case oldest
        /// From this index (`<index/>`).
        case index(Int)
    }

    package var start: Start
    /// At most this many items; all if nil.
    package var limit: Int?
    /// At most this many payload bytes, but always at least one item.
    package var byteBudget: Int

    package init(start: Start = .newest, limit: Int? = nil, byteBudget: Int) {
        self.start = start
        self.limit = limit
        self.byteBudget = byteBudget
    }
}
