import NIOConcurrencyHelpers
package import XMPPCore

/// Stanzas handled as a batch: the group commit of issue 7.
extension PubSubService {
    /// Handles stanzas in their order, with the outcomes `handle(_:)` would give one by one, except
    /// that each run of consecutive publishes is stored with one write: every publish of the run is
    /// checked, their items are committed together, then each is answered and notified in order.
    /// No publish is answered before the commit that stores its item.
    ///
    /// Each outcome goes to `deliver` as soon as it is known, in the stanzas' order, with how long
    /// its stanza took (a publish: from the start of its run): the caller sends it before the next
    /// is built, so memory holds one fan-out at a time, not a batch's.
    package func handle(
        _ stanzas: [XMLElement],
        deliver: (_ index: Int, _ outcome: PubSubOutcome, _ duration: Duration) async -> Void
    ) async {
        let clock = ContinuousClock()
        var run: [(index: Int, request: PublishRequest)] = []
        for (index, stanza) in stanzas.enumerated() {
            if let request = self.publishRequest(stanza) {
                run.append((index, request))
                continue
            }
            await self.publishTogether(run, deliver: deliver)
            run = []
            let start = clock.now
            let outcome = await self.handle(stanza)
            await deliver(index, outcome, clock.now - start)
        }
        await self.publishTogether(run, deliver: deliver)
    }

    /// A publish request as `route` would dispatch it: an IQ set to the service whose `<pubsub/>`
    /// action is `<publish/>`.
    struct PublishRequest: Sendable {
        var iq: IQ
        var pubsub: XMLElement
        var publish: XMLElement
    }

    private func publishRequest(_ stanza: XMLElement) -> PublishRequest? {
        guard stanza.name == "iq", let iq = IQ(stanza), iq.kind == .set, iq.to == self.domain,
            let payload = iq.payload, payload.name == "pubsub", payload.namespace == Namespace.pubsub,
            let action = Self.action(of: payload), action.name == "publish"
        else { return nil }
        return PublishRequest(iq: iq, pubsub: payload, publish: action)
    }

    /// What became of one publish of a run by the time of its commit.
    private enum Stored: Sendable {
        /// Refused by its checks, or its commit failed: the answer is known.
        case answered(PubSubOutcome)
        /// Checked, and stored if it stores anything (`sequence`).
        case done(PreparedPublish, sequence: Int64?)
    }

    /// Checks and stores a run of publishes within one request deadline, then answers them in
    /// order. Past the deadline, each publish not refused by its checks by then is told its
    /// outcome is unknown.
    private func publishTogether(
        _ run: [(index: Int, request: PublishRequest)],
        deliver: (_ index: Int, _ outcome: PubSubOutcome, _ duration: Duration) async -> Void
    ) async {
        guard !run.isEmpty else { return }
        let clock = ContinuousClock()
        let start = clock.now
        let refused = NIOLockedValueBox<[Int: PubSubOutcome]>([:])
        var stored: [Int: Stored]
        do {
            stored = try await Deadline.run(within: self.limits.requestTimeout, on: self.executor) {
                try await self.checkAndStore(run) { index, outcome in
                    // After the deadline the work is cancelled, and what it answers then (a
                    // cancelled store call) is not the outcome: the caller says it is unknown.
                    guard !Task.isCancelled else { return }
                    refused.withLockedValue { $0[index] = outcome }
                }
            }
        } catch {
            stored = [:]
            let known = refused.withLockedValue { $0 }
            for (index, request) in run {
                stored[index] = .answered(known[index] ?? self.answer(request.iq, error))
            }
        }
        for (index, _) in run {
            let outcome: PubSubOutcome
            switch stored[index]! {
            case .answered(let answer): outcome = answer
            case .done(let publish, let sequence): outcome = self.completePublish(publish, sequence: sequence)
            }
            await deliver(index, outcome, clock.now - start)
        }
    }

    /// Checks each publish in order, then stores the items of those that passed with one call.
    /// Refusals are also reported to `refused` as they are found, so that they survive a deadline.
    private func checkAndStore(
        _ run: [(index: Int, request: PublishRequest)],
        refused: @Sendable (Int, PubSubOutcome) -> Void
    ) async throws -> [Int: Stored] {
        var results: [Int: Stored] = [:]
        var prepared: [(index: Int, publish: PreparedPublish)] = []
        for (index, request) in run {
            do {
                prepared.append(
                    (index, try await self.preparePublish(request.iq, pubsub: request.pubsub, publish: request.publish))
                )
            } catch {
                let outcome = self.answer(request.iq, error)
                refused(index, outcome)
                results[index] = .answered(outcome)
            }
        }
        // Work abandoned at its deadline must not commit: its publishers were told the outcome is
        // unknown, and nobody would send its notifications.
        try Task.checkCancellation()
        do {
            var sequences = try await self.store.publish(prepared.compactMap(\.publish.publication)).makeIterator()
            for (index, publish) in prepared {
                guard publish.publication != nil else {
                    results[index] = .done(publish, sequence: nil)
                    continue
                }
                if let sequence = sequences.next() ?? nil {
                    results[index] = .done(publish, sequence: sequence)
                } else {
                    results[index] = .answered(self.answer(publish.iq, PubSubStoreError.nodeNotFound))
                }
            }
        } catch {
            // Nothing was stored; the notification-only publishes are done all the same.
            for (index, publish) in prepared {
                results[index] =
                    publish.publication == nil
                    ? .done(publish, sequence: nil) : .answered(self.answer(publish.iq, error))
            }
        }
        return results
    }
}
