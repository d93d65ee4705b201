/// Latency samples in milliseconds, and their percentiles.
///
/// All samples are kept and sorted once (a run has at most a few million): exact percentiles,
/// at the cost of memory an HdrHistogram would not need.
struct Samples {
    private(set) var values: [Double] = []

    mutating func add(_ duration: Duration) {
        self.values.append(Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }

    func percentiles(_ fractions: [Double]) -> [Double] {
        let sorted = self.values.sorted()
        guard !sorted.isEmpty else { return fractions.map { _ in 0 } }
        return fractions.map { sorted[min(sorted.count - 1, Int(Double(sorted.count) * $0))] }
    }
}
