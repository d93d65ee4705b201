/// What a bounced notification does to its subscription (XEP-0060 §12.4).
package struct BouncePolicy: Sendable, Hashable {
    /// A `cancel`-type error or `<gone/>` (the address will not work again) ends the subscription.
    package var endOnPermanentError: Bool
    /// Transient (`wait`, `auth`, `modify`) bounces in a row that end it; 0 never ends it.
    package var transientLimit: Int

    package init(endOnPermanentError: Bool = true, transientLimit: Int = 5) {
        self.endOnPermanentError = endOnPermanentError
        self.transientLimit = transientLimit
    }
}
