/// `PostgresAPIStore` could not do what was asked.
package enum PostgresAPIStoreError: Error, Sendable, Hashable {
    /// An idempotency key was claimed and released by others again and again while this request
    /// tried to read it.
    case claimContended
}
