import NIOConcurrencyHelpers
package import XMPPCore

/// The recent notifications by message id, so that a bounce (an error `<message/>` carrying that id)
/// can be traced to its node and subscriptions (XEP-0060 §12.4). Bounded: the oldest are forgotten.
package final class NotificationLog: Sendable {
    struct Entry: Sendable, Hashable {
        var node: String
        var subscriber: JID
        var subscriptionIDs: [String]
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Message ids in the order sent, a ring of `capacity` slots.
        var order: [String] = []
        var next = 0
        /// Transient bounces per node and subscriber since the last success or removal.
        var bounces: [BounceKey: Int] = [:]
    }

    private struct BounceKey: Hashable {
        var node: String
        var subscriber: JID
    }

    private let capacity: Int
    private let state = NIOLockedValueBox(State())

    package init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// Records sent notifications, under one lock for a whole fan-out.
    func record(_ sent: [(id: String, entry: Entry)]) {
        self.state.withLockedValue { state in
            for (id, entry) in sent {
                if state.order.count < self.capacity {
                    state.order.append(id)
                } else {
                    state.entries[state.order[state.next]] = nil
                    state.order[state.next] = id
                    state.next = (state.next + 1) % self.capacity
                }
                state.entries[id] = entry
            }
        }
    }

    /// The notification a bounce refers to; each is answered for once.
    func take(id: String) -> Entry? {
        self.state.withLockedValue { $0.entries.removeValue(forKey: id) }
    }

    /// Counts one transient bounce and returns the count so far.
    func countBounce(_ entry: Entry) -> Int {
        self.state.withLockedValue { state in
            let key = BounceKey(node: entry.node, subscriber: entry.subscriber)
            state.bounces[key, default: 0] += 1
            return state.bounces[key]!
        }
    }

    func forgetBounces(_ entry: Entry) {
        _ = self.state.withLockedValue {
            $0.bounces.removeValue(forKey: BounceKey(node: entry.node, subscriber: entry.subscriber))
        }
    }
}
