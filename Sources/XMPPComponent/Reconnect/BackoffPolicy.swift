/// Delay before reconnect attempt `n`: exponential with a cap, and jitter so that many
/// instances dropped together do not reconnect together.
package struct BackoffPolicy: Sendable, Hashable {
    package var initialDelay: Duration
    package var maximumDelay: Duration

    package init(initialDelay: Duration, maximumDelay: Duration) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
    }

    /// A delay in [½·d, d] where d = min(maximum, initial·2^(attempt−1)); `attempt` starts at 1.
    package func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        precondition(attempt >= 1, "attempts are counted from 1")
        let doublings = min(attempt - 1, 30)
        let uncapped = self.initialDelay * (1 << doublings)
        let capped = min(uncapped, self.maximumDelay)
        return capped * Double.random(in: 0.5...1.0, using: &generator)
    }
}
