import Synchronization
import Testing

@testable import HeraldApp

/// The gate that serializes XMPP and HTTP requests (issue 6).
@Suite struct SerialGateTests {
    final class Record: Sendable {
        let inside = Atomic<Int>(0)
        let most = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let order = Mutex<[Int]>([])
    }

    @Test func oneCallerAtATimeAndEveryoneGetsThrough() async throws {
        let gate = SerialGate()
        let record = Record()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    await gate.run {
                        let now = record.inside.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
                        _ = record.most.max(now, ordering: .sequentiallyConsistent)
                        // Suspends while holding the gate, as a store call does.
                        try? await Task.sleep(for: .microseconds(50))
                        record.inside.wrappingSubtract(1, ordering: .sequentiallyConsistent)
                    }
                    record.done.wrappingAdd(1, ordering: .sequentiallyConsistent)
                }
            }
        }
        #expect(record.most.load(ordering: .sequentiallyConsistent) == 1)
        #expect(record.done.load(ordering: .sequentiallyConsistent) == 200)
    }

    /// A caller that holds the gate until `release` yields; returns once it holds it.
    static func hold(_ gate: SerialGate) async -> (Task<Void, Never>, AsyncStream<Void>.Continuation) {
        let (holding, release) = AsyncStream.makeStream(of: Void.self)
        let (entered, enter) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            await gate.run {
                enter.yield()
                for await _ in holding { break }
            }
        }
        for await _ in entered { break }
        return (holder, release)
    }

    @Test func waitersEnterInArrivalOrder() async throws {
        let gate = SerialGate()
        let record = Record()
        let (holder, release) = await Self.hold(gate)
        // Each waiter queues before the next starts, so arrival order is known.
        var waiters: [Task<Void, Never>] = []
        for index in 0..<20 {
            waiters.append(Task { @Sendable in await gate.run { record.order.withLock { $0.append(index) } } })
            while gate.waiting < index + 1 {
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        release.yield()
        await holder.value
        for waiter in waiters { await waiter.value }
        #expect(record.order.withLock { $0 } == Array(0..<20))
    }

    @Test func aBoundedWaitGivesUpWithoutRunningAndTheQueueMovesOn() async throws {
        let gate = SerialGate()
        let record = Record()
        let (holder, release) = await Self.hold(gate)
        // Behind the holder: one waits without bound, one for 50 ms, one finds the queue full.
        let patient = Task { @Sendable in await gate.run { record.order.withLock { $0.append(1) } } }
        while gate.waiting < 1 { try await Task.sleep(for: .milliseconds(1)) }
        await #expect(throws: SerialGate.NotAdmitted.self) {
            try await gate.run(waitingAtMost: .milliseconds(50), capacity: 10) {
                record.order.withLock { $0.append(2) }
            }
        }
        await #expect(throws: SerialGate.NotAdmitted.self) {
            try await gate.run(waitingAtMost: .seconds(60), capacity: 1) {
                record.order.withLock { $0.append(3) }
            }
        }
        #expect(gate.waiting == 1)
        release.yield()
        await holder.value
        await patient.value
        // The gate is open again: a bounded caller gets in at once.
        try await gate.run(waitingAtMost: .milliseconds(50), capacity: 1) { record.order.withLock { $0.append(4) } }
        #expect(record.order.withLock { $0 } == [1, 4])
        #expect(gate.waiting == 0)
    }
}
