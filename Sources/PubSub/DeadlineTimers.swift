import NIOConcurrencyHelpers

/// The timers of `Deadline`, all served by one sleeping task.
///
/// Nearly every deadline is cancelled long before it is due. A sleeping task per deadline would
/// cost a task, a system timer and two thread wake-ups each; at a thousand publishes a second
/// that was more CPU than the publishes themselves. Here a deadline is an entry in a table, and
/// the one watcher wakes only when the earliest entry is due, or when an earlier one is added.
final class DeadlineTimers: Sendable {
    static let shared = DeadlineTimers()

    private struct Entry {
        var due: ContinuousClock.Instant
        var action: @Sendable () -> Void
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var nextID: UInt64 = 0
        /// The running watcher, which one it is, and when it wakes up; nil when none runs.
        var watcher: (task: Task<Void, Never>, generation: UInt64, wakes: ContinuousClock.Instant)?
        var generations: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Runs `action` at `due` unless `cancel` is called with the returned ID first.
    func schedule(at due: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        self.state.withLockedValue { state in
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(due: due, action: action)
            if let watcher = state.watcher, watcher.wakes <= due { return id }
            // None runs, or it sleeps past the new entry: a new one takes over.
            state.watcher?.task.cancel()
            state.generations += 1
            state.watcher = (self.watch(until: due, generation: state.generations), state.generations, due)
            return id
        }
    }

    /// Drops the timer if it is still in the table. An action already taken out to run (at its
    /// time) still runs: `Deadline`'s outcome, which only the first result sets, makes that harmless.
    func cancel(_ id: UInt64) {
        _ = self.state.withLockedValue { $0.entries.removeValue(forKey: id) }
    }

    /// How many timers wait; lets tests see that cancelled ones are gone.
    var pending: Int {
        self.state.withLockedValue { $0.entries.count }
    }

    private func watch(until first: ContinuousClock.Instant, generation: UInt64) -> Task<Void, Never> {
        // Detached: the watcher serves every caller and must not keep the task-local values of
        // the request that happened to start it.
        Task.detached {
            var wakes = first
            while true {
                do {
                    try await Task.sleep(until: wakes, clock: ContinuousClock())
                } catch {
                    return  // replaced by a watcher that wakes earlier
                }
                let round: (due: [@Sendable () -> Void], next: ContinuousClock.Instant?)? = self.state.withLockedValue {
                    state in
                    // Replaced just as it woke up: the newer watcher serves the table.
                    guard let watcher = state.watcher, watcher.generation == generation else { return nil }
                    let now = ContinuousClock.now
                    let due = state.entries.filter { $0.value.due <= now }.sorted { $0.value.due < $1.value.due }
                    for (id, _) in due { state.entries.removeValue(forKey: id) }
                    let next = state.entries.values.map(\.due).min()
                    state.watcher = next.map { (watcher.task, generation, $0) }
                    return (due.map(\.value.action), next)
                }
                guard let round else { return }
                for action in round.due { action() }
                guard let next = round.next else { return }
                wakes = next
            }
        }
    }
}
