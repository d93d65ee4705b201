import NIOConcurrencyHelpers
import Testing

@testable import PubSub

/// The one-watcher timer table behind `Deadline`: due timers fire in order, cancelled ones never
/// do, and a timer due before the one the watcher sleeps for still fires on time.
struct DeadlineTimersTests {
    /// The labels of the timers that fired, in firing order.
    final class Fired: Sendable {
        private let labels = NIOLockedValueBox<[String]>([])

        func record(_ label: String) {
            self.labels.withLockedValue { $0.append(label) }
        }

        var all: [String] { self.labels.withLockedValue { $0 } }

        /// Waits (polling, at most `limit`) until `count` timers fired.
        func wait(for count: Int, atMost limit: Duration = .seconds(5)) async throws {
            let end = ContinuousClock.now + limit
            while self.all.count < count, ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    @Test func dueTimersFireInTheOrderTheyAreDue() async throws {
        let timers = DeadlineTimers()
        let fired = Fired()
        let now = ContinuousClock.now
        for (label, offset) in [("c", 90), ("a", 30), ("b", 60)] {
            _ = timers.schedule(at: now + .milliseconds(offset)) { fired.record(label) }
        }
        try await fired.wait(for: 3)
        #expect(fired.all == ["a", "b", "c"])
        #expect(timers.pending == 0)
    }

    @Test func aCancelledTimerNeverFiresAndLeavesTheTable() async throws {
        let timers = DeadlineTimers()
        let fired = Fired()
        let now = ContinuousClock.now
        let cancelled = timers.schedule(at: now + .milliseconds(20)) { fired.record("cancelled") }
        _ = timers.schedule(at: now + .milliseconds(60)) { fired.record("kept") }
        timers.cancel(cancelled)
        #expect(timers.pending == 1)
        try await fired.wait(for: 1)
        try await Task.sleep(for: .milliseconds(50))
        #expect(fired.all == ["kept"])
        #expect(timers.pending == 0)
    }

    @Test func anEarlierTimerAddedWhileTheWatcherSleepsFiresOnTime() async throws {
        let timers = DeadlineTimers()
        let fired = Fired()
        let now = ContinuousClock.now
        // The watcher goes to sleep for an hour; the next timer must not wait that long.
        let late = timers.schedule(at: now + .seconds(3600)) { fired.record("late") }
        try await Task.sleep(for: .milliseconds(20))
        _ = timers.schedule(at: now + .milliseconds(50)) { fired.record("early") }
        try await fired.wait(for: 1)
        #expect(fired.all == ["early"])
        #expect(timers.pending == 1)
        timers.cancel(late)
        #expect(timers.pending == 0)
    }

    @Test func cancellingEveryTimerBeforeItIsDueFiresNothing() async throws {
        let timers = DeadlineTimers()
        let fired = Fired()
        let now = ContinuousClock.now
        let ids = (0..<1000).map { index in
            timers.schedule(at: now + .milliseconds(30 + index % 7)) { fired.record("\(index)") }
        }
        for id in ids { timers.cancel(id) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(fired.all.isEmpty)
        #expect(timers.pending == 0)
    }
}
