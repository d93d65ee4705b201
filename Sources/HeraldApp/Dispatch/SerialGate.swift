import Synchronization

/// Lets one task at a time through, in the order they arrived.
///
/// An actor would not do: it lets another call in at each `await`, and the dispatcher must hold
/// the gate across the store call and the sends that follow it.
final class SerialGate: Sendable {
    private struct State {
        var held = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state = Mutex(State())

    /// How many callers wait; lets tests order arrivals without guessing at timing.
    var waiting: Int {
        self.state.withLock { $0.waiting.count - $0.head }
    }

    /// Runs `body` once every earlier caller has left the gate.
    func run<T>(_ body: () async throws -> sending T) async rethrows -> sending T {
        await self.enter()
        defer { self.leave() }
        return try await body()
    }

    private func enter() async {
        let entered = self.state.withLock { state in
            if state.held { return false }
            state.held = true
            return true
        }
        if entered { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = self.state.withLock { state in
                // The holder may have left meanwhile.
                if !state.held {
                    state.held = true
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if admitted { continuation.resume() }
        }
    }

    /// Hands the gate to the longest waiter, which then holds it, or opens it.
    private func leave() {
        let next = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.head < state.waiting.count else {
                state.waiting.removeAll(keepingCapacity: true)
                state.head = 0
                state.held = false
                return nil
            }
            let next = state.waiting[state.head]
            state.head += 1
            if state.head > 64 && state.head * 2 > state.waiting.count {
                state.waiting.removeFirst(state.head)
                state.head = 0
            }
            return next
        }
        next?.resume()
    }
}
