import Synchronization
import Testing

@testable import PubSubHTTP

@Suite struct RateLimiterTests {
    final class Clock: Sendable {
        let start = ContinuousClock.now
        let elapsed = Mutex(Duration.zero)
        var now: ContinuousClock.Instant { self.start + self.elapsed.withLock { $0 } }
        func advance(_ by: Duration) { self.elapsed.withLock { $0 += by } }
    }

    @Test func aBurstThenTheAverageRatePerToken() {
        let clock = Clock()
        let limiter = RateLimiter(rate: 2, burst: 3, now: { clock.now })
        #expect((0..<3).allSatisfy { _ in limiter.admit("a") == nil })
        // Empty: the next request is half a second away at 2 a second.
        #expect(limiter.admit("a") == .milliseconds(500))
        #expect(limiter.admit("b") == nil)
        clock.advance(.milliseconds(500))
        #expect(limiter.admit("a") == nil)
        #expect(limiter.admit("a") != nil)
        // A long pause refills only up to the burst.
        clock.advance(.seconds(60))
        #expect((0..<3).allSatisfy { _ in limiter.admit("a") == nil })
        #expect(limiter.admit("a") != nil)
    }

    @Test func waitingTakesNothingAndFullBucketsArePruned() {
        let clock = Clock()
        let limiter = RateLimiter(rate: 1, burst: 2, now: { clock.now })
        #expect(limiter.wait("a") == nil)
        #expect(limiter.admit("a") == nil)
        #expect(limiter.wait("a") == nil)
        #expect(limiter.admit("a") == nil)
        #expect(limiter.wait("a") == .seconds(1))
        #expect(limiter.admit("a") == .seconds(1))
        // Buckets of 10,000 keys, then a minute: all are full again, and the next key prunes them.
        for index in 0..<10_000 { _ = limiter.admit("k\(index)") }
        #expect(limiter.count == 10_001)
        clock.advance(.seconds(60))
        _ = limiter.admit("new")
        #expect(limiter.count == 1)
    }
}
