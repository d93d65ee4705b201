import Synchronization

/// A token bucket per key (an API token, a client address): `rate` requests a second on
/// average, bursts up to `burst`.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let rate: Double
    private let burst: Double
    private let now: @Sendable () -> ContinuousClock.Instant
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: Int, burst: Int, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.rate = Double(rate)
        self.burst = Double(max(burst, 1))
        self.now = now
    }

    /// Takes one request from the key's bucket; when it is empty, returns how long until it is not.
    func admit(_ key: String) -> Duration? {
        self.take(key, consuming: true)
    }

    /// How long until the key's bucket has a request in it (nil: now), taking nothing.
    func wait(_ key: String) -> Duration? {
        self.take(key, consuming: false)
    }

    private func take(_ key: String, consuming: Bool) -> Duration? {
        let now = self.now()
        return self.buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: self.burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(self.burst, bucket.tokens + seconds * self.rate)
            bucket.updated = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else {
                return .seconds((1 - bucket.tokens) / self.rate)
            }
            if consuming { bucket.tokens -= 1 }
            return nil
        }
    }
}
