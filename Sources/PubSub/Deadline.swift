import NIOConcurrencyHelpers

/// Bounds how long a caller waits for a piece of work. Past the limit the caller gets
/// `Deadline.Exceeded` at once and the work is cancelled; work that ignores cancellation (a
/// PostgreSQL query already sent) finishes on its own and its result is dropped, so its outcome
/// is unknown to the caller.
package enum Deadline {
    package struct Exceeded: Error, CustomStringConvertible {
        package var limit: Duration
        package var description: String { "no answer within \(self.limit)" }
    }

    /// Runs `work` in a task of its own, on `executor` when one is given (a task made here does
    /// not inherit the caller's executor preference), so that the caller can be answered first.
    package static func run<T: Sendable>(
        within limit: Duration,
        on executor: (any TaskExecutor)? = nil,
        _ work: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let outcome = Outcome<T>()
        return try await withCheckedThrowingContinuation { continuation in
            outcome.waiting(continuation)
            let worker = Task(executorPreference: executor) {
                do {
                    outcome.finish(.success(try await work()))
                } catch {
                    outcome.finish(.failure(error))
                }
            }
            let timer = DeadlineTimers.shared.schedule(at: .now + limit) {
                if outcome.finish(.failure(Exceeded(limit: limit))) { worker.cancel() }
            }
            outcome.onFinish { DeadlineTimers.shared.cancel(timer) }
        }
    }

    /// The first result wins; the caller is resumed exactly once.
    private final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var result: Result<T, any Error>?
            var onFinish: (@Sendable () -> Void)?
        }

        private let state = NIOLockedValueBox(State())

        func waiting(_ continuation: CheckedContinuation<T, any Error>) {
            self.state.withLockedValue { $0.continuation = continuation }
        }

        /// Runs `action` once a result is in (at once if it already is).
        func onFinish(_ action: @escaping @Sendable () -> Void) {
            let done = self.state.withLockedValue { state -> Bool in
                if state.result != nil { return true }
                state.onFinish = action
                return false
            }
            if done { action() }
        }

        /// True when this result was the first.
        @discardableResult
        func finish(_ result: Result<T, any Error>) -> Bool {
            let (continuation, action) = self.state.withLockedValue {
                state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
                guard state.result == nil else { return (nil, nil) }
                state.result = result
                defer { state.continuation = nil }
                return (state.continuation, state.onFinish)
            }
            guard let continuation else { return false }
            continuation.resume(with: result)
            action?()
            return true
        }
    }
}
