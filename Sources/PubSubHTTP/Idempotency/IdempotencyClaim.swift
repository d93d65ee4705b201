/// What `APIStore.claim` found for a key.
package enum IdempotencyClaim: Sendable, Hashable {
    /// The key is this request's, under this claim ID: run it.
    case claimed(String)
    /// The key's request finished: answer with its response.
    case completed(StoredResponse)
    /// The key's request is still running.
    case inProgress
    /// The key was used for a different request.
    case mismatch
}
