package import FoundationEssentials
package import Logging
package import XMPPCore

/// The XEP-0060 service: a stanza in, the reply and notifications out, with the store as its only side effect.
///
/// The reply is built only after the store call returns, so a publish is acknowledged after its commit.
package struct PubSubService: Sendable {
    /// The component's own address, such as `pubsub.example.com`.
    package let domain: JID
    package let store: any PubSubStore
    package let limits: PubSubLimits
    package let policy: ServicePolicy
    package let bouncePolicy: BouncePolicy
    package let availability: Availability
    package let rosterAccess: RosterAccess
    package let multicast: Multicast
    let notificationLog: NotificationLog
    /// Where each request's work runs (in a task of its own, under its deadline); nil: Swift's
    /// global executor. Herald passes the event loop its pump runs on, so a request stays on one thread.
    let executor: (any TaskExecutor)?
    let logger: Logger
    let now: @Sendable () -> Date
    let makeID: @Sendable () -> String

    package init(
        domain: JID,
        store: any PubSubStore,
        limits: PubSubLimits = PubSubLimits(),
        policy: ServicePolicy = ServicePolicy(),
        bouncePolicy: BouncePolicy = BouncePolicy(),
        availability: Availability = Availability(),
        rosterAccess: RosterAccess = RosterAccess(),
        multicast: Multicast = Multicast(),
        notificationLog: NotificationLog = NotificationLog(),
        executor: (any TaskExecutor)? = nil,
        logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() },
        makeID: @escaping @Sendable () -> String = { UUID().uuidString.lowercased() }
    ) {
        self.domain = domain
        self.store = store
        self.limits = limits
        self.policy = policy
        self.bouncePolicy = bouncePolicy
        self.availability = availability
        self.rosterAccess = rosterAccess
        self.multicast = multicast
        self.notificationLog = notificationLog
        self.executor = executor
        self.logger = logger
        self.now = now
        self.makeID = makeID
    }

    /// Handles one stanza addressed to the component.
    package func handle(_ stanza: XMLElement) async -> PubSubOutcome {
        switch stanza.name {
        case "presence":
            return await self.catchingStoreFailures(stanza) { try await self.presence(stanza) }
        case "message":
            // Errors are bounces, never answered (RFC 6120 §8.3); other messages may carry an owner's decision.
            return await self.catchingStoreFailures(stanza) {
                stanza[attribute: "type"] == "error" ? try await self.bounce(stanza) : try await self.message(stanza)
            }
        case "iq":
            break
        default:
            return .none
        }
        guard let iq = IQ(stanza) else {
            return self.malformed(stanza)
        }
        switch iq.kind {
        case .result, .error:
            return .none
        case .get, .set:
            break
        }
        do {
            return try await Deadline.run(within: self.limits.requestTimeout, on: self.executor) {
                try await self.route(iq)
            }
        } catch {
            return self.answer(iq, error)
        }
    }

    /// The error reply to a request that threw, logged.
    func answer(_ iq: IQ, _ error: any Error) -> PubSubOutcome {
        switch error {
        case let rejected as EntriesRejected:
            self.logger.info("request partly refused", metadata: Self.errorMetadata(iq, rejected.error))
            return PubSubOutcome(
                reply: iq.error(rejected.error, detail: rejected.detail),
                notifications: rejected.notifications
            )
        case PubSubStoreError.nodeNotFound:
            // The node vanished between the check and the write: to the requester it does not exist.
            return self.answer(iq, PubSubErrors.nodeNotFound)
        case let error as StanzaError:
            self.logger.info("request refused", metadata: Self.errorMetadata(iq, error))
            return PubSubOutcome(reply: iq.error(error))
        default:
            // The store failed (a database that is down), or did not answer in time, in which case
            // the write may still complete: the requester should retry, with the same ItemID.
            let text =
                error is Deadline.Exceeded
                ? "storage did not answer in time; the request may still take effect"
                : "storage unavailable, retry later"
            let stanzaError = StanzaError(.wait, .internalServerError, text: text)
            var metadata = Self.errorMetadata(iq, stanzaError)
            metadata["error"] = "\(error)"
            self.logger.error("request failed", metadata: metadata)
            return PubSubOutcome(reply: iq.error(stanzaError))
        }
    }

    /// One log line per error reply: who asked what about which node, and the condition.
    private static func errorMetadata(_ iq: IQ, _ error: StanzaError) -> Logger.Metadata {
        let action = iq.payload?.elements.first
        return [
            "xmpp.iq.id": "\(iq.id)", "xmpp.from": "\(iq.from)", "xmpp.error": "\(error.condition.rawValue)",
            "xmpp.request": "\(action?.name ?? iq.payload?.name ?? "")",
            "pubsub.node": "\(action?[attribute: "node"] ?? iq.payload?[attribute: "node"] ?? "")",
        ]
    }

    /// Presence and messages get no error reply; a store failure while handling one is only logged.
    private func catchingStoreFailures(
        _ stanza: XMLElement,
        _ body: () async throws -> PubSubOutcome
    ) async -> PubSubOutcome {
        do {
            return try await body()
        } catch {
            self.logger.error(
                "stanza handling failed",
                metadata: ["xmpp.stanza.kind": "\(stanza.name)", "error": "\(error)"]
            )
            return .none
        }
    }

    private func route(_ iq: IQ) async throws -> PubSubOutcome {
        // RFC 6120 §8.2.3: a get or set has exactly one child.
        guard let payload = iq.payload else {
            throw PubSubErrors.badRequest("an IQ get or set must have exactly one child element")
        }
        // Entities at the component's domain other than the service itself do not exist.
        guard iq.to == self.domain else {
            throw StanzaError(.cancel, .serviceUnavailable)
        }
        switch (payload.namespace, payload.name, iq.kind) {
        case (Namespace.discoInfo, "query", .get):
            return PubSubOutcome(reply: try await self.discoInfo(iq, query: payload))
        case (Namespace.discoItems, "query", .get):
            return PubSubOutcome(reply: try await self.discoItems(iq, query: payload))
        case (Namespace.ping, "ping", .get):
            return PubSubOutcome(reply: iq.result())
        case (Namespace.pubsub, "pubsub", _):
            return try await self.pubsub(iq, payload)
        case (Namespace.roster, "query", .set):
            // XEP-0356 §3: a server may push roster changes; RFC 6121 §2.1.6 asks for a result. Rosters
            // are read fresh when needed, so the push itself is not kept.
            return PubSubOutcome(reply: iq.result())
        case (Namespace.commands, "command", .set):
            return try await self.command(iq, command: payload)
        case (Namespace.pubsubOwner, "pubsub", _):
            return try await self.owner(iq, payload)
        default:
            // RFC 6120 §8.4: an unknown payload namespace is service-unavailable.
            throw StanzaError(.cancel, .serviceUnavailable)
        }
    }

    private func pubsub(_ iq: IQ, _ pubsub: XMLElement) async throws -> PubSubOutcome {
        guard let action = Self.action(of: pubsub) else {
            throw PubSubErrors.badRequest("the pubsub element names no action")
        }
        switch (action.name, iq.kind) {
        case ("create", .set):
            return PubSubOutcome(reply: try await self.create(iq, pubsub: pubsub, create: action))
        case ("subscribe", .set):
            return try await self.subscribe(iq, pubsub: pubsub, subscribe: action)
        case ("unsubscribe", .set):
            return try await self.unsubscribe(iq, unsubscribe: action)
        case ("options", .get), ("options", .set):
            return PubSubOutcome(reply: try await self.options(iq, options: action))
        case ("default", .get):
            return PubSubOutcome(reply: try await self.defaultOptions(iq, request: action))
        case ("subscriptions", .get):
            return PubSubOutcome(reply: try await self.retrieveSubscriptions(iq, request: action))
        case ("affiliations", .get):
            return PubSubOutcome(reply: try await self.retrieveAffiliations(iq, request: action))
        case ("publish", .set):
            return try await self.publish(iq, pubsub: pubsub, publish: action)
        case ("retract", .set):
            return try await self.retract(iq, retract: action)
        case ("items", .get):
            return PubSubOutcome(reply: try await self.retrieveItems(iq, pubsub: pubsub, items: action))
        case ("create", .get), ("subscribe", .get), ("unsubscribe", .get), ("publish", .get), ("retract", .get),
            ("items", .set), ("default", .set), ("subscriptions", .set), ("affiliations", .set):
            throw PubSubErrors.badRequest("<\(action.name)/> is not valid in an IQ of type \(iq.kind.rawValue)")
        default:
            throw PubSubErrors.unsupported(action.name)
        }
    }

    /// The action a `<pubsub/>` element asks for. <configure/>, <publish-options/> and an <options/>
    /// after another action only qualify it; <options/> alone is the subscription options request (§6.3).
    static func action(of pubsub: XMLElement) -> XMLElement? {
        let children = pubsub.elements.filter { $0.namespace == Namespace.pubsub }
        let qualifiers: Set = ["configure", "options", "publish-options"]
        return children.first { !qualifiers.contains($0.name) } ?? children.first
    }

    /// An IQ whose type, id or addresses cannot be read: answer if at all possible (RFC 6120 §8.2.3).
    private func malformed(_ stanza: XMLElement) -> PubSubOutcome {
        guard let type = stanza[attribute: "type"], type == "get" || type == "set",
            let from = stanza[attribute: "from"], let to = stanza[attribute: "to"]
        else { return .none }
        let error = StanzaError(.modify, .badRequest, text: "the IQ has no id or an invalid address")
        let reply = XMLElement(
            "iq",
            namespace: Namespace.component,
            attributes: ["type": "error", "id": stanza[attribute: "id"] ?? "", "from": to, "to": from],
            children: [error.element]
        )
        return PubSubOutcome(reply: reply)
    }

    /// `<pubsub xmlns='http://jabber.org/protocol/pubsub'>` around one child, the shape of XEP-0060 results.
    static func pubsubPayload(_ child: XMLElement) -> XMLElement {
        XMLElement("pubsub", namespace: Namespace.pubsub, children: [.element(child)])
    }
}
