import Metrics
import NIOConcurrencyHelpers

/// swift-metrics handles made once per label and dimensions. Making one per event goes through
/// the factory (a lock and an allocation), on the stanza and store paths that every publish takes.
final class MetricCache: Sendable {
    private let counters = NIOLockedValueBox<[String: Counter]>([:])
    private let timers = NIOLockedValueBox<[String: Timer]>([:])

    func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
        self.counters.withLockedValue { counters in
            let key = Self.key(label, dimensions)
            if let counter = counters[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions)
            counters[key] = counter
            return counter
        }
    }

    func timer(_ label: String, _ dimensions: [(String, String)] = []) -> Timer {
        self.timers.withLockedValue { timers in
            let key = Self.key(label, dimensions)
            if let timer = timers[key] { return timer }
            let timer = Timer(label: label, dimensions: dimensions)
            timers[key] = timer
            return timer
        }
    }

    private static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        dimensions.reduce(label) { $0 + "\u{0}" + $1.0 + "=" + $1.1 }
    }
}
