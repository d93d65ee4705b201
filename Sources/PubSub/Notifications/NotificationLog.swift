import NIOConcurrencyHelpers
package import XMPPCore

/// The recent notifications by message id, so that a bounce (an error `<message/>` carrying that id)
/// can be traced to its node and subscriptions (XEP-0060 §12.4). Bounded: the oldest are forgotten.
///
/// Kept per event, not per message: one event goes to many subscribers, whose messages are numbered
/// `<event id>-<n>` (a multicast message to recipients n to n+c-1: `<event id>-<n>+<c>`), so a
/// fan-out costs one entry whatever its size.
package final class NotificationLog: Sendable {
    struct Entry: Sendable, Hashable {
        var node: String
        var subscriber: JID
        var subscriptionIDs: [String]
    }

    /// Who one message of an event went to.
    struct Recipient: Sendable, Hashable {
        var jid: JID
        var subscriptionIDs: [String]
    }

    private struct Event {
        var node: String
        var recipients: [Recipient]
        /// Messages whose bounce was already taken.
        var taken: Set<Int> = []
    }

    private struct State {
        var events: [String: Event] = [:]
        /// Event ids, oldest first from `head`, with their message counts.
        var order: [(id: String, messages: Int)] = []
        var head = 0
        var messages = 0
        /// Transient bounces per node and subscriber since the last success or removal.
        var bounces: [BounceKey: Int] = [:]
    }

    private struct BounceKey: Hashable {
        var node: String
        var subscriber: JID
    }

    /// How many messages are remembered, at least; the newest event always is.
    private let capacity: Int
    private let state = NIOLockedValueBox(State())

    package init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// The id of message `number` of event `event`.
    static func messageID(event: String, number: Int) -> String {
        "\(event)-\(number)"
    }

    /// The id of the multicast message of event `event` to the recipients `numbers`; each copy
    /// the multicast service delivers carries it.
    static func messageID(event: String, numbers: Range<Int>) -> String {
        "\(event)-\(numbers.lowerBound)+\(numbers.count)"
    }

    /// Records the messages of one event, numbered in the order of `recipients`.
    func record(event id: String, node: String, recipients: [Recipient]) {
        guard !recipients.isEmpty else { return }
        self.state.withLockedValue { state in
            state.events[id] = Event(node: node, recipients: recipients)
            state.order.append((id, recipients.count))
            state.messages += recipients.count
            while state.messages - state.order[state.head].messages >= self.capacity {
                let oldest = state.order[state.head]
                state.events[oldest.id] = nil
                state.messages -= oldest.messages
                state.head += 1
            }
            if state.head > 64 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    /// The notification a bounce from `from` refers to: the recipient of the message `id` that
    /// `from` is, or else the only one `from` speaks for (the same account, or its server). Each
    /// is answered for once, and only for its own side.
    func take(id: String, from: JID) -> Entry? {
        guard let dash = id.lastIndex(of: "-") else { return nil }
        let event = String(id[..<dash])
        let numbers = id[id.index(after: dash)...].split(separator: "+", omittingEmptySubsequences: false)
        guard let first = numbers.first.flatMap({ Int($0) }), first >= 0 else { return nil }
        let count: Int
        switch numbers.count {
        case 1: count = 1
        case 2:
            guard let given = Int(numbers[1]), given > 0 else { return nil }
            count = given
        default: return nil
        }
        return self.state.withLockedValue { state -> Entry? in
            guard let logged = state.events[event], first < logged.recipients.count else { return nil }
            let range = first..<(first + min(count, logged.recipients.count - first))
            let open = range.filter { !logged.taken.contains($0) }
            // A copy's bounce comes from the address it went to; a bare JID or a server is taken
            // only when it can mean one recipient.
            let spokenFor = open.filter { number in
                let recipient = logged.recipients[number].jid
                return recipient.bare == from.bare || recipient.domainpart == from.description
            }
            guard let number = open.first(where: { logged.recipients[$0].jid == from }) ?? spokenFor.only
            else { return nil }
            state.events[event]!.taken.insert(number)
            let recipient = logged.recipients[number]
            return Entry(node: logged.node, subscriber: recipient.jid, subscriptionIDs: recipient.subscriptionIDs)
        }
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

extension Array {
    /// The element of a one-element array; nil for any other count.
    fileprivate var only: Element? { self.count == 1 ? self.first : nil }
}
