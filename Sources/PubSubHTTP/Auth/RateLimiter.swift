import NIOConcurrencyHelpers

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
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])

    init(rate: Int, burst: Int, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.rate = Double(rate)
        self.burst = Double(max(burst, 1))
        self.now = now
    }

    /// How many keys have a bucket; lets tests see pruning.
    var count: Int {
        self.buckets.withLockedValue { $0.count }
    }

    /// Takes one request from the key's bucket; when it is empty, returns how long until it is not.
    func admit(_ key: String) -> Duration? {
        self.take(key, consuming: true)
    }

    /// How long until the key's bucket has a request in it (nil: now), taking nothing.
    func wait(_ key: String) -> Duration? {
        self.take(key, consuming: false)
    }

    /// Past this many buckets, full ones are dropped: a full bucket is the same as none, and
    /// clients that come and go (addresses) must not grow the map for ever.
    private static let pruneAbove = 10_000

    private func take(_ key: String, consuming: Bool) -> Duration? {
        let now = self.now()
        return self.buckets.withLockedValue { buckets in
            guard let existing = buckets[key] else {
                guard consuming else { return nil }
                if buckets.count >= Self.pruneAbove { self.prune(&buckets, now: now) }
                buckets[key] = Bucket(tokens: self.burst - 1, updated: now)
                return nil
            }
            var bucket = Bucket(tokens: self.refilled(existing, at: now), updated: now)
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else {
                return .seconds((1 - bucket.tokens) / self.rate)
            }
            if consuming { bucket.tokens -= 1 }
            return nil
        }
    }

    private func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        buckets = buckets.filter { _, bucket in self.refilled(bucket, at: now) < self.burst }
    }

    private func refilled(_ bucket: Bucket, at now: ContinuousClock.Instant) -> Double {
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return min(self.burst, bucket.tokens + seconds * self.rate)
    }
}
