import Metrics
import PubSub
import XMPPCore

/// The metrics of the stanza path (swift-metrics; exported by `/metrics`): what comes in, what
/// goes out, errors by condition, and how long requests and fan-outs take.
struct StanzaMetrics: Sendable {
    private let metrics = MetricCache()

    /// Records one handled stanza and its outcome; `duration` is the time `handle` took (for a
    /// publish, from the request to its commit and reply). Requests made over HTTP count as
    /// requests, not as stanzas in.
    func handled(_ stanza: XMLElement, _ outcome: PubSubOutcome, duration: Duration, overStream: Bool) {
        if overStream {
            let kind = ["iq", "message", "presence"].contains(stanza.name) ? stanza.name : "other"
            self.metrics.counter("herald_stanzas_in_total", [("kind", kind)]).increment()
        }
        guard stanza.name == "iq" else { return }
        let request = Self.requestName(stanza)
        self.metrics.timer("herald_request_duration_seconds", [("request", request)]).record(duration: duration)
        guard let reply = outcome.reply else { return }
        if reply[attribute: "type"] == "error" {
            let condition =
                reply.child("error", namespace: Namespace.component)?.elements
                .first { $0.namespace == Namespace.stanzas }?.name ?? "undefined-condition"
            self.metrics.counter("herald_errors_total", [("condition", condition), ("request", request)])
                .increment()
        } else if request == "publish" {
            self.metrics.counter("herald_publishes_total").increment()
        }
    }

    /// Records what was sent (the reply, the notifications), what could not be (`dropped`: the
    /// stream was down), and how long sending took.
    func sent(replies: Int, notifications: Int, dropped: Int, fanOut: Duration) {
        if dropped > 0 {
            self.metrics.counter("herald_stanzas_dropped_total").increment(by: dropped)
        }
        if replies > 0 {
            self.metrics.counter("herald_stanzas_out_total", [("kind", "reply")]).increment(by: replies)
        }
        guard notifications > 0 else { return }
        self.metrics.counter("herald_stanzas_out_total", [("kind", "notification")]).increment(by: notifications)
        self.metrics.counter("herald_notifications_sent_total").increment(by: notifications)
        self.metrics.timer("herald_fanout_duration_seconds").record(duration: fanOut)
    }

    /// The request an IQ makes, from a fixed set (a label must not grow with what senders invent):
    /// the action inside `<pubsub/>` (publish, subscribe, …), a few other requests, or `other`.
    static func requestName(_ iq: XMLElement) -> String {
        guard let payload = iq.elements.first else { return "other" }
        switch payload.namespace {
        case Namespace.pubsub, Namespace.pubsubOwner:
            let qualifiers: Set = ["configure", "options", "publish-options"]
            let action = payload.elements.first { !qualifiers.contains($0.name) } ?? payload.elements.first
            guard let name = action?.name, Self.pubsubActions.contains(name) else { return "other" }
            return payload.namespace == Namespace.pubsubOwner ? "owner-" + name : name
        case Namespace.discoInfo: return "disco-info"
        case Namespace.discoItems: return "disco-items"
        case Namespace.ping: return "ping"
        case Namespace.commands: return "command"
        case Namespace.roster: return "roster-push"
        default: return "other"
        }
    }

    private static let pubsubActions: Set = [
        "create", "subscribe", "unsubscribe", "options", "default", "subscriptions", "affiliations", "publish",
        "retract", "items", "configure", "delete", "purge",
    ]
}
