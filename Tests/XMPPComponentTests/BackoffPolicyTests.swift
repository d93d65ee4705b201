import Testing

@testable import XMPPComponent

@Suite struct BackoffPolicyTests {
    @Test func growsExponentiallyWithJitterUpToTheCap() {
        let policy = BackoffPolicy(initialDelay: .milliseconds(100), maximumDelay: .seconds(5))
        var generator = SystemRandomNumberGenerator()
        for attempt in 1...40 {
            let nominal = min(Duration.milliseconds(100) * (1 << min(attempt - 1, 30)), .seconds(5))
            for _ in 0..<50 {
                let delay = policy.delay(attempt: attempt, using: &generator)
                #expect(delay >= nominal / 2 && delay <= nominal, "attempt \(attempt): \(delay)")
            }
        }
    }

    @Test func jitterSpreadsReconnects() {
        let policy = BackoffPolicy(initialDelay: .seconds(1), maximumDelay: .seconds(30))
        var generator = SystemRandomNumberGenerator()
        let delays = Set((0..<20).map { _ in policy.delay(attempt: 3, using: &generator) })
        #expect(delays.count > 10)
    }
}
