/// Bounds the time a piece of work may take: past it, the work is cancelled and `Deadline.Exceeded`
/// is thrown.
package enum Deadline {
    package struct Exceeded: Error, CustomStringConvertible {
        package var limit: Duration
        package var description: String { "no answer within \(self.limit)" }
    }

    package static func run<T: Sendable>(
        within limit: Duration,
        _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw Exceeded(limit: limit)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
