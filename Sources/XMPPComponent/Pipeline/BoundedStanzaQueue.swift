import NIOConcurrencyHelpers
package import XMPPCore

/// The inbound stanzas of the component, across reconnects, in a bounded queue with one consumer.
///
/// `push` suspends while the queue is full; the session stops reading the socket meanwhile,
/// so a slow consumer slows the XMPP server down instead of growing memory.
package final class BoundedStanzaQueue: Sendable {
    private struct State {
        var buffer: [XMLElement] = []
        var head = 0
        var finished = false
        var consumer: CheckedContinuation<[XMLElement], Never>?
        var producers: [(continuation: CheckedContinuation<Void, Never>, element: XMLElement)] = []

        var count: Int { self.buffer.count - self.head }

        mutating func popFirst() -> XMLElement? {
            guard self.head < self.buffer.count else { return nil }
            let element = self.buffer[self.head]
            self.head += 1
            if self.head > 64 && self.head * 2 > self.buffer.count {
                self.buffer.removeFirst(self.head)
                self.head = 0
            }
            return element
        }
    }

    private let capacity: Int
    private let state = NIOLockedValueBox(State())

    package init(capacity: Int) {
        precondition(capacity > 0, "a queue needs room for one stanza")
        self.capacity = capacity
    }

    /// How many producers wait for room; lets tests observe backpressure without guessing at timing.
    var waitingProducers: Int {
        self.state.withLockedValue { $0.producers.count }
    }

    /// How many stanzas wait to be taken, for the same purpose.
    var buffered: Int {
        self.state.withLockedValue { $0.count }
    }

    /// Adds a stanza, waiting while the queue is full. After `finish()` the stanza is dropped.
    package func push(_ element: XMLElement) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume: (() -> Void)? = self.state.withLockedValue { state in
                if state.finished { return { continuation.resume() } }
                if let consumer = state.consumer {
                    state.consumer = nil
                    return {
                        consumer.resume(returning: [element])
                        continuation.resume()
                    }
                }
                if state.count < self.capacity {
                    state.buffer.append(element)
                    return { continuation.resume() }
                }
                state.producers.append((continuation, element))
                return nil
            }
            resume?()
        }
    }

    /// Ends the sequence: the consumer still gets every stanza pushed so far (including those of
    /// waiting producers), then an empty batch. Stanzas pushed after this are dropped.
    package func finish() {
        let (producers, consumer) = self.state.withLockedValue { state in
            state.finished = true
            // Waiting producers' stanzas were received: keep them, going over capacity by their number.
            state.buffer += state.producers.map(\.element)
            defer { state.producers = [] }
            let consumer = state.consumer
            state.consumer = nil
            return (state.producers, consumer)
        }
        // A waiting consumer means the buffer was empty, and it holds no producers' stanzas either
        // (a consumer only waits when nothing is buffered, and producers only wait when the buffer is full).
        consumer?.resume(returning: [])
        for producer in producers { producer.continuation.resume() }
    }

    /// The stanzas waiting, in order, at most `limit`; waits for one when none is. Empty once the
    /// queue is finished and drained, or the caller is cancelled. Taking several at once lets the
    /// consumer handle them together (the group commit of publishes).
    package func next(upTo limit: Int) async -> [XMLElement] {
        precondition(limit > 0, "take at least one stanza")
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[XMLElement], Never>) in
                let resume: (() -> Void) = self.state.withLockedValue { state in
                    var taken: [XMLElement] = []
                    var admitted: [CheckedContinuation<Void, Never>] = []
                    while taken.count < limit, let element = state.popFirst() {
                        taken.append(element)
                        // Room was made: admit the longest-waiting producer.
                        if !state.producers.isEmpty {
                            let producer = state.producers.removeFirst()
                            state.buffer.append(producer.element)
                            admitted.append(producer.continuation)
                        }
                    }
                    if !taken.isEmpty {
                        return {
                            for producer in admitted { producer.resume() }
                            continuation.resume(returning: taken)
                        }
                    }
                    if state.finished || Task.isCancelled {
                        return { continuation.resume(returning: []) }
                    }
                    precondition(state.consumer == nil, "BoundedStanzaQueue has a single consumer")
                    state.consumer = continuation
                    return {}
                }
                resume()
            }
        } onCancel: {
            let consumer = self.state.withLockedValue { state in
                defer { state.consumer = nil }
                return state.consumer
            }
            consumer?.resume(returning: [])
        }
    }
}
