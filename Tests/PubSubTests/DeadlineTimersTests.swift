import NIOConcurrencyHelpers
import Testing

@testable import PubSub

/// The one-watcher timer table behind `Deadline`: due timers fire in order, cancelled ones never
/// do, and a timer due before the one the watcher sleeps for still fires on time.
struct DeadlineTimersTests {
    // Swift Testing makes a fresh instance for each test: each has its own table and record.
    let timers = DeadlineTimers()
    let fired = Fired()
    let now = ContinuousClock.now

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
        for (label, offset) in [("c", 90), ("a", 30), ("b", 60)] {
            _ = self.timers.schedule(at: self.now + .milliseconds(offset)) { self.fired.record(label) }
        }
        try await self.fired.wait(for: 3)
        #expect(self.fired.all == ["a", "b", "c"])
        #expect(self.timers.pending == 0)
    }

    @Test func aCancelledTimerNeverFiresAndLeavesTheTable() async throws {
        let cancelled = self.timers.schedule(at: self.now + .milliseconds(20)) { self.fired.record("cancelled") }
        _ = self.timers.schedule(at: self.now + .milliseconds(60)) { self.fired.record("kept") }
        self.timers.cancel(cancelled)
        #expect(self.timers.pending == 1)
        try await self.fired.wait(for: 1)
        try await Task.sleep(for: .milliseconds(50))
        #expect(self.fired.all == ["kept"])
        #expect(self.timers.pending == 0)
    }

    @Test func anEarlierTimerAddedWhileTheWatcherSleepsFiresOnTime() async throws {
        // The watcher goes to sleep for an hour; the next timer must not wait that long.
        let late = self.timers.schedule(at: self.now + .seconds(3600)) { self.fired.record("late") }
        try await Task.sleep(for: .milliseconds(20))
        _ = self.timers.schedule(at: self.now + .milliseconds(50)) { self.fired.record("early") }
        try await self.fired.wait(for: 1)
        #expect(self.fired.all == ["early"])
        #expect(self.timers.pending == 1)
        self.timers.cancel(late)
        #expect(self.timers.pending == 0)
    }

    @Test func cancellingEveryTimerBeforeItIsDueFiresNothing() async throws {
        let ids = (0..<1000).map { index in
            self.timers.schedule(at: self.now + .milliseconds(30 + index % 7)) { self.fired.record("\(index)") }
        }
        for id in ids { self.timers.cancel(id) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(self.fired.all.isEmpty)
        #expect(self.timers.pending == 0)
    }
}
