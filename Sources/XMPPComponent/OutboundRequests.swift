import NIOConcurrencyHelpers
package import XMPPCore

/// IQ requests Herald sends itself (XEP-0356 roster reads), waiting for their answers. The reader
/// hands each inbound `result`/`error` IQ here first, so an answer reaches its waiting request
/// even while the stanza pump is busy with the stanza that caused the request.
final class OutboundRequests: Sendable {
    private typealias Answer = AsyncThrowingStream<XMLElement, any Error>
    /// By IQ id: who must answer, and where the answer goes.
    private let waiting = NIOLockedValueBox<[String: (from: String, continuation: Answer.Continuation)]>([:])

    /// Registers `id`, runs `send`, and returns the answer from `responder` (RFC 6120 §8.1.2.1: the
    /// addressee of the request), or throws `requestTimedOut` after `timeout`.
    func answer(
        id: String,
        from responder: String,
        timeout: Duration,
        send: () async throws -> Void
    ) async throws -> XMLElement {
        let (answers, continuation) = Answer.makeStream()
        // Registered before sending, so that no answer can arrive unclaimed.
        self.waiting.withLockedValue { $0[id] = (responder, continuation) }
        defer { self.waiting.withLockedValue { $0.removeValue(forKey: id) }?.continuation.finish() }
        try await send()
        return try await withThrowingTaskGroup(of: XMLElement.self) { group in
            group.addTask {
                for try await answer in answers { return answer }
                throw ComponentError(.connectionClosed, "IQ \(id) was abandoned")
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ComponentError(.requestTimedOut, "no answer to IQ \(id) within \(timeout)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Takes an inbound stanza if it answers a waiting request.
    func claim(_ stanza: XMLElement) -> Bool {
        guard stanza.name == "iq", let type = stanza[attribute: "type"], type == "result" || type == "error",
            let id = stanza[attribute: "id"], let from = stanza[attribute: "from"],
            let continuation = self.waiting.withLockedValue({ waiting -> Answer.Continuation? in
                guard waiting[id]?.from == from else { return nil }
                return waiting.removeValue(forKey: id)?.continuation
            })
        else { return false }
        continuation.yield(stanza)
        continuation.finish()
        return true
    }
}
