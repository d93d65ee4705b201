import Synchronization

/// A token bucket per API token: `rate` requests a second on average, bursts up to `burst`.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let rate: Double
    private let burst: Double
    private let clock = ContinuousClock()
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: Int, burst: Int) {
        self.rate = Double(rate)
        self.burst = Double(max(burst, 1))
    }

    /// Takes one request from the token's bucket; when it is empty, returns how long until it is not.
    func admit(_ tokenID: String) -> Duration? {
        let now = self.clock.now
        return self.buckets.withLock { buckets in
            var bucket = buckets[tokenID] ?? Bucket(tokens: self.burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(self.burst, bucket.tokens + seconds * self.rate)
            bucket.updated = now
            defer { buckets[tokenID] = bucket }
            guard bucket.tokens >= 1 else {
                return .seconds((1 - bucket.tokens) / self.rate)
            }
            bucket.tokens -= 1
            return nil
        }
    }
}
