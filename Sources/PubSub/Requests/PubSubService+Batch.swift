import NIOConcurrencyHelpers
package import XMPPCore

/// Stanzas handled as a batch: the group commit of issue 7.
extension PubSubService {
    /// Handles stanzas in their order, with the outcomes `handle(_:)` would give one by one, except
    /// that each run of consecutive publishes is stored with one write: every publish of the run is
    /// checked, their items are committed together, then each is answered and notified in order.
    /// No publish is answered before the commit that stores its item. `measured` learns how long
    /// each stanza took (for a publish, its whole run).
    package func handle(
        _ stanzas: [XMLElement],
        measured: (_ index: Int, _ duration: Duration) -> Void = { _, _ in }
    ) async -> [PubSubOutcome] {
        let clock = ContinuousClock()
        var outcomes = [PubSubOutcome?](repeating: nil, count: stanzas.count)
        var run: [(index: Int, request: PublishRequest)] = []
        func publishRun() async {
            guard !run.isEmpty else { return }
            let start = clock.now
            await self.publishTogether(run, into: &outcomes)
            let duration = clock.now - start
            for (index, _) in run { measured(index, duration) }
            run = []
        }
        for (index, stanza) in stanzas.enumerated() {
            if let request = self.publishRequest(stanza) {
                run.append((index, request))
                continue
            }
            await publishRun()
            let start = clock.now
            outcomes[index] = await self.handle(stanza)
            measured(index, clock.now - start)
        }
        await publishRun()
        return outcomes.map { $0! }
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

    /// Checks, stores and answers a run of publishes, within one request deadline. Past the
    /// deadline, the publishes not yet answered are told their outcome is unknown.
    private func publishTogether(
        _ run: [(index: Int, request: PublishRequest)],
        into outcomes: inout [PubSubOutcome?]
    ) async {
        guard !run.isEmpty else { return }
        let answered = NIOLockedValueBox<[Int: PubSubOutcome]>([:])
        do {
            try await Deadline.run(within: self.limits.requestTimeout) {
                try await self.publishTogether(run) { index, outcome in
                    // Once the deadline has passed the work is cancelled, and what it answers
                    // then (a cancelled store call) is not the outcome: the caller says it is unknown.
                    guard !Task.isCancelled else { return }
                    answered.withLockedValue { $0[index] = outcome }
                }
            }
        } catch {
            answered.withLockedValue { answered in
                for (index, request) in run where answered[index] == nil {
                    answered[index] = self.answer(request.iq, error)
                }
            }
        }
        for (index, outcome) in answered.withLockedValue({ $0 }) {
            outcomes[index] = outcome
        }
    }

    private func publishTogether(
        _ run: [(index: Int, request: PublishRequest)],
        answer: (Int, PubSubOutcome) -> Void
    ) async throws {
        var prepared: [(index: Int, publish: PreparedPublish)] = []
        for (index, request) in run {
            do {
                prepared.append(
                    (index, try await self.preparePublish(request.iq, pubsub: request.pubsub, publish: request.publish))
                )
            } catch {
                answer(index, self.answer(request.iq, error))
            }
        }
        let publications = prepared.compactMap(\.publish.publication)
        var sequences: [Int64?]
        var failure: (any Error)?
        do {
            sequences = try await self.store.publish(publications)
        } catch {
            // None of them is stored; the notification-only publishes still go out.
            (sequences, failure) = ([], error)
        }
        var stored = sequences.makeIterator()
        for (index, publish) in prepared {
            do {
                var sequence: Int64?
                if publish.publication != nil {
                    if let failure { throw failure }
                    guard let assigned = stored.next() ?? nil else { throw PubSubStoreError.nodeNotFound }
                    sequence = assigned
                }
                answer(index, try await self.completePublish(publish, sequence: sequence))
            } catch {
                answer(index, self.answer(publish.iq, error))
            }
        }
    }
}
