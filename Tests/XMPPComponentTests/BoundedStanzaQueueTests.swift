import Synchronization
import Testing
import XMPPCore

@testable import XMPPComponent

@Suite struct BoundedStanzaQueueTests {
    static func stanza(_ n: Int) -> XMLElement {
        XMLElement("message", namespace: Namespace.component, attributes: ["id": "\(n)"])
    }

    @Test func deliversInOrderAndBlocksProducerWhenFull() async {
        let queue = BoundedStanzaQueue(capacity: 2)
        let pushed = Counter()
        await withDiscardingTaskGroup { group in
            group.addTask {
                for n in 0..<5 {
                    await queue.push(Self.stanza(n))
                    pushed.value.add(1, ordering: .relaxed)
                }
                queue.finish()
            }
            // Wait (bounded) until the producer is blocked: it must have stopped at the capacity.
            for _ in 0..<500 where queue.waitingProducers == 0 {
                try? await Task.sleep(for: .milliseconds(10))
            }
            #expect(queue.waitingProducers == 1)
            #expect(pushed.value.load(ordering: .relaxed) == 2)
            #expect(await Self.drain(queue) == ["0", "1", "2", "3", "4"])
        }
    }

    @Test func finishKeepsEveryStanzaAlreadyReceived() async {
        let queue = BoundedStanzaQueue(capacity: 1)
        await queue.push(Self.stanza(0))
        await withDiscardingTaskGroup { group in
            // This producer waits: the queue is full.
            group.addTask { await queue.push(Self.stanza(1)) }
            for _ in 0..<500 where queue.waitingProducers == 0 {
                try? await Task.sleep(for: .milliseconds(10))
            }
            #expect(queue.waitingProducers == 1)
            queue.finish()
        }
        await queue.push(Self.stanza(2))  // after finish: refused, and does not wait
        #expect(await Self.drain(queue) == ["0", "1"])
    }

    @Test func finishWakesTheConsumer() async {
        let queue = BoundedStanzaQueue(capacity: 4)
        async let first = queue.next(upTo: 1)
        try? await Task.sleep(for: .milliseconds(20))
        queue.finish()
        #expect(await first.isEmpty)
    }

    @Test func takesWhatIsWaitingUpToTheLimitAndAdmitsWaitingProducers() async {
        let queue = BoundedStanzaQueue(capacity: 3)
        await withDiscardingTaskGroup { group in
            group.addTask {
                for n in 0..<5 { await queue.push(Self.stanza(n)) }
            }
            for _ in 0..<500 where queue.waitingProducers == 0 {
                try? await Task.sleep(for: .milliseconds(10))
            }
            #expect(queue.waitingProducers == 1)
            // Three are buffered and one producer waits: taking two makes room for it.
            #expect(await queue.next(upTo: 2).map { $0[attribute: "id"] } == ["0", "1"])
            for _ in 0..<500 where queue.buffered < 3 {
                try? await Task.sleep(for: .milliseconds(10))
            }
            #expect(await queue.next(upTo: 10).map { $0[attribute: "id"] } == ["2", "3", "4"])
        }
    }

    /// Every stanza until the queue is finished, taken a few at a time.
    static func drain(_ queue: BoundedStanzaQueue) async -> [String] {
        var received: [String] = []
        while true {
            let batch = await queue.next(upTo: 2)
            if batch.isEmpty { return received }
            received += batch.map { $0[attribute: "id"] ?? "" }
        }
    }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}
