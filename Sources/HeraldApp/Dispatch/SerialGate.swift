import NIOConcurrencyHelpers

/// Lets one task at a time through, in the order they arrived.
///
/// An actor would not do: it lets another call in at each `await`, and the dispatcher must hold
/// the gate across the store call and the sends that follow it.
///
/// A caller may bound its wait (HTTP requests do): past the limit it leaves the queue without
/// having run, so its client can be told that nothing happened.
final class SerialGate: Sendable {
    /// The caller did not get through within its limit, or found the queue full; its work did not run.
    struct NotAdmitted: Error {}

    private struct Waiter {
        var id: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var held = false
        var waiting: [Waiter] = []
        var head = 0
        var nextID: UInt64 = 0

        var count: Int { self.waiting.count - self.head }

        mutating func compact() {
            if self.head > 64 && self.head * 2 > self.waiting.count {
                self.waiting.removeFirst(self.head)
                self.head = 0
            }
        }
    }

    private let state = NIOLockedValueBox(State())

    /// How many callers wait; lets tests order arrivals without guessing at timing.
    var waiting: Int {
        self.state.withLockedValue { $0.count }
    }

    /// Runs `body` once every earlier caller has left the gate.
    func run<T>(_ body: () async throws -> sending T) async rethrows -> sending T {
        _ = await self.enter(limit: nil, capacity: .max)
        defer { self.leave() }
        return try await body()
    }

    /// Runs `body` once every earlier caller has left the gate, unless that takes longer than
    /// `limit` or `capacity` callers already wait: then throws `NotAdmitted` without running it.
    func run<T>(
        waitingAtMost limit: Duration,
        capacity: Int,
        _ body: () async throws -> sending T
    ) async throws -> sending T {
        guard await self.enter(limit: limit, capacity: capacity) else { throw NotAdmitted() }
        defer { self.leave() }
        return try await body()
    }

    /// True once the caller holds the gate; false if it gave up waiting.
    private func enter(limit: Duration?, capacity: Int) async -> Bool {
        let entered = self.state.withLockedValue { state -> Bool? in
            if !state.held {
                state.held = true
                return true
            }
            return state.count >= capacity ? false : nil
        }
        if let entered { return entered }
        let timer = NIOLockedValueBox<Task<Void, Never>?>(nil)
        let admitted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let id = self.state.withLockedValue { state -> UInt64? in
                // The holder may have left meanwhile.
                if !state.held {
                    state.held = true
                    return nil
                }
                state.nextID += 1
                state.waiting.append(Waiter(id: state.nextID, continuation: continuation))
                return state.nextID
            }
            guard let id else { return continuation.resume(returning: true) }
            if let limit {
                timer.withLockedValue {
                    $0 = Task {
                        try? await Task.sleep(for: limit)
                        self.abandon(id)
                    }
                }
            }
        }
        timer.withLockedValue { $0?.cancel() }
        return admitted
    }

    /// Takes a waiter that is still queued out of the queue; it learns it was not admitted.
    private func abandon(_ id: UInt64) {
        let continuation = self.state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
            guard let index = state.waiting[state.head...].firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiting.remove(at: index).continuation
        }
        continuation?.resume(returning: false)
    }

    /// Hands the gate to the longest waiter, which then holds it, or opens it.
    private func leave() {
        let next = self.state.withLockedValue { state -> CheckedContinuation<Bool, Never>? in
            guard state.head < state.waiting.count else {
                state.waiting.removeAll(keepingCapacity: true)
                state.head = 0
                state.held = false
                return nil
            }
            let next = state.waiting[state.head].continuation
            state.head += 1
            state.compact()
            return next
        }
        next?.resume(returning: true)
    }
}
