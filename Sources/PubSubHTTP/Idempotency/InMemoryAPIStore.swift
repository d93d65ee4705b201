package import FoundationEssentials
import NIOConcurrencyHelpers

/// An `APIStore` in process memory, for fast tests of the HTTP API. Not durable.
package final class InMemoryAPIStore: APIStore {
    private struct Entry {
        var fingerprint: Data
        var claim: String
        var claimedAt: ContinuousClock.Instant
        var response: StoredResponse?
    }

    private let tokens: NIOLockedValueBox<[Data: Caller]>
    private let entries = NIOLockedValueBox<[IdempotencyKey: Entry]>([:])
    private let clock = ContinuousClock()

    /// `tokens` maps each token's secret to its caller.
    package init(tokens: [String: Caller] = [:]) {
        self.tokens = NIOLockedValueBox(
            Dictionary(uniqueKeysWithValues: tokens.map { (APIToken.hash($0.key), $0.value) })
        )
    }

    package func revoke(token: String) {
        _ = self.tokens.withLockedValue { $0.removeValue(forKey: APIToken.hash(token)) }
    }

    package func caller(tokenHash: Data) async throws -> Caller? {
        self.tokens.withLockedValue { $0[tokenHash] }
    }

    package func claim(
        _ key: IdempotencyKey,
        fingerprint: Data,
        staleAfter: Duration
    ) async throws -> IdempotencyClaim {
        let now = self.clock.now
        return self.entries.withLockedValue { entries in
            if let entry = entries[key], now - entry.claimedAt < .seconds(86_400) {
                guard entry.fingerprint == fingerprint else { return .mismatch }
                if let response = entry.response { return .completed(response) }
                if now - entry.claimedAt < staleAfter { return .inProgress }
            }
            let claim = UUID().uuidString
            entries[key] = Entry(fingerprint: fingerprint, claim: claim, claimedAt: now)
            return .claimed(claim)
        }
    }

    package func complete(_ key: IdempotencyKey, claim: String, response: StoredResponse) async throws {
        self.entries.withLockedValue { entries in
            if entries[key]?.claim == claim { entries[key]?.response = response }
        }
    }

    package func release(_ key: IdempotencyKey, claim: String) async throws {
        self.entries.withLockedValue { entries in
            if let entry = entries[key], entry.claim == claim, entry.response == nil { entries[key] = nil }
        }
    }
}
