/// Latencies in an HdrHistogram layout: fixed memory whatever the number of samples, and every
/// recorded value kept to three significant digits (a relative error below 0.1 %).
///
/// Values are whole microseconds. Below 2,048 µs each value has its own counter; above, each
/// power of two is split into 1,024 counters, so a counter's width is at most 1/1,024 of its values.
struct LatencyHistogram {
    private static let linear = 2048
    private static let perOctave = 1024
    /// Up to 2^42 µs (about 50 days): far past any run's bound.
    private static let octaves = 32

    private var counts = [UInt64](repeating: 0, count: linear + octaves * perOctave)
    private(set) var total: UInt64 = 0

    mutating func add(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let micros = max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
        self.counts[Self.index(of: UInt64(micros))] += 1
        self.total += 1
    }

    /// The value at each fraction (0.5 for the median), in milliseconds: the highest value its
    /// counter stands for, so a percentile is never reported lower than it was.
    func percentiles(_ fractions: [Double]) -> [Double] {
        guard self.total > 0 else { return fractions.map { _ in 0 } }
        return fractions.map { fraction in
            let rank = max(1, UInt64((Double(self.total) * fraction).rounded(.up)))
            var seen: UInt64 = 0
            for (index, count) in self.counts.enumerated() where count > 0 {
                seen += count
                if seen >= rank { return Double(Self.highestValue(at: index)) / 1000 }
            }
            return Double(Self.highestValue(at: self.counts.count - 1)) / 1000
        }
    }

    static func index(of value: UInt64) -> Int {
        guard value >= UInt64(Self.linear) else { return Int(value) }
        // value >> shift falls in [1024, 2048).
        let shift = (63 - value.leadingZeroBitCount) - 10
        let octave = min(shift - 1, Self.octaves - 1)
        return Self.linear + octave * Self.perOctave + Int((value >> shift) - UInt64(Self.perOctave))
    }

    static func highestValue(at index: Int) -> UInt64 {
        guard index >= Self.linear else { return UInt64(index) }
        let octave = (index - Self.linear) / Self.perOctave
        let shift = octave + 1
        let step = UInt64((index - Self.linear) % Self.perOctave + Self.perOctave)
        return ((step + 1) << shift) - 1
    }
}
