import FoundationEssentials
package import Logging
import NIOConcurrencyHelpers
package import XMPPCore

/// XEP-0033: a multicast service of the XMPP server that copies one `<message/>` to many
/// addresses (decision 0019). Through it, a fan-out costs the server one stanza to parse per
/// event instead of one per subscriber.
///
/// The configured service is used only once it has said, on the current component stream, that it
/// is one (XEP-0033 §2: its disco#info lists the feature). Until then, and after it returns an error,
/// each subscriber gets a message of its own.
package final class Multicast: Sendable {
    /// Sends an IQ and returns its result or error IQ.
    package typealias Request = @Sendable (XMLElement) async throws -> XMLElement

    /// The configured service; nil: every message goes on its own.
    let service: JID?
    /// Addresses in one message at most: the service's limit (XEP-0033 §9).
    let maxAddresses: Int
    private let request: Request?
    /// The number of the component stream now (0: none yet); a new stream asks the service again.
    private let stream: @Sendable () -> Int
    /// After a failed question or an error from the service, how long until it is asked again.
    private let retryAfter: Duration
    private let logger: Logger

    private enum Check {
        case unknown
        case asking(stream: Int)
        case confirmed(stream: Int)
        /// `since` nil: not asked again on this stream.
        case refused(stream: Int, since: ContinuousClock.Instant?)

        var stream: Int? {
            switch self {
            case .unknown: nil
            case .asking(let stream), .confirmed(let stream), .refused(let stream, _): stream
            }
        }
    }
    private let check = NIOLockedValueBox(Check.unknown)

    package init(
        service: JID? = nil,
        maxAddresses: Int = 99,
        request: Request? = nil,
        stream: @escaping @Sendable () -> Int = { 0 },
        retryAfter: Duration = .seconds(60),
        logger: Logger = Logger(label: "herald.multicast")
    ) {
        precondition(maxAddresses > 0)
        self.service = service
        self.maxAddresses = maxAddresses
        self.request = request
        self.stream = stream
        self.retryAfter = retryAfter
        self.logger = logger
    }

    /// `count` addresses split into as few messages as `maxAddresses` allows, of even sizes.
    func parts(of count: Int) -> [Range<Int>] {
        let parts = (count + self.maxAddresses - 1) / self.maxAddresses
        var first = 0
        return (0..<parts).map { part in
            let left = parts - part
            let numbers = first..<(first + (count - first + left - 1) / left)
            first = numbers.upperBound
            return numbers
        }
    }

    /// Where an event's messages go now: the service, once it confirmed on this stream. Otherwise
    /// nil, and the service is asked in the background: once per stream, and again `retryAfter`
    /// after it failed.
    func target(from domain: JID) -> JID? {
        guard let service, self.request != nil else { return nil }
        let stream = self.stream()
        guard stream > 0 else { return nil }
        let now = ContinuousClock.now
        let (target, ask) = self.check.withLockedValue { check -> (JID?, Bool) in
            switch check {
            case .confirmed(let confirmed) where confirmed == stream: return (service, false)
            case .asking(let asked) where asked == stream: return (nil, false)
            case .refused(let refused, let since) where refused == stream:
                guard let since, now - since >= self.retryAfter else { return (nil, false) }
                check = .asking(stream: stream)
                return (nil, true)
            default:
                check = .asking(stream: stream)
                return (nil, true)
            }
        }
        if ask {
            // One IQ, bounded by the request's own timeout.
            Task { await self.ask(from: domain, on: stream) }
        }
        return target
    }

    /// Asks the service whether it is one (XEP-0033 §2.1), for the stream `stream`.
    func ask(from domain: JID, on stream: Int) async {
        guard let service, let request else { return }
        let begun = self.check.withLockedValue { check -> Bool in
            if let current = check.stream, current > stream { return false }
            check = .asking(stream: stream)
            return true
        }
        guard begun else { return }
        let query = XMLElement("query", namespace: Namespace.discoInfo)
        // A fresh id, so that an answer arriving after a question timed out settles no later one.
        let iq = IQ(kind: .get, id: "multicast-\(UUID().uuidString)", from: domain, to: service, payload: query)
            .element
        let confirmed: Bool
        do {
            let answer = try await request(iq)
            let features = answer.child("query", namespace: Namespace.discoInfo)?.elements ?? []
            confirmed =
                answer[attribute: "type"] == "result"
                && features.contains { $0.name == "feature" && $0[attribute: "var"] == Namespace.address }
        } catch {
            confirmed = false
        }
        // Only the question still open settles: a later stream's, or an error since, stays.
        let settled = self.check.withLockedValue { check -> Bool in
            guard case .asking(let asked) = check, asked == stream else { return false }
            check = confirmed ? .confirmed(stream: stream) : .refused(stream: stream, since: .now)
            return true
        }
        guard settled else { return }
        if confirmed {
            self.logger.info("multicast service confirmed", metadata: ["xmpp.jid": "\(service)"])
        } else {
            self.logger.warning(
                "multicast service not confirmed: one message per subscriber",
                metadata: ["xmpp.jid": "\(service)"]
            )
        }
    }

    /// Whether an error `<message/>` from `from` is the service's: then it is not used on this
    /// stream until `retryAfter` has passed, or at all when it said the message had too many
    /// addresses (`not-acceptable`, XEP-0033 §9): asking again would only lose more.
    func refused(by from: JID, condition: String) -> Bool {
        guard let service, from == service else { return false }
        let stream = self.stream()
        let since: ContinuousClock.Instant? = condition == "not-acceptable" ? nil : .now
        self.check.withLockedValue { check in
            if case .confirmed(let confirmed) = check, confirmed == stream {
                check = .refused(stream: stream, since: since)
            }
        }
        return true
    }
}
