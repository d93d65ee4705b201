import Crypto
import FoundationEssentials
import HTTPTypes
import Hummingbird
import Logging
import Synchronization
import XMPPCore

/// `Idempotency-Key`: a retried request with the same key gets the first one's response, and a
/// publish made with a key stores one item however often it is retried.
extension HTTPAPI {
    /// A retry takes over a claim with no response after this long: its request died, or its
    /// outcome is unknown. Longer than a live request takes: at most 10 s at the gate
    /// (HeraldApplication), 5 s in the store (`PubSubLimits.requestTimeout`), then the sends.
    static let staleClaim = Duration.seconds(30)

    /// Runs `work` once per key; `work` gets the key, if the request has one.
    func idempotent(
        _ request: Request,
        _ context: APIRequestContext,
        body: [UInt8],
        _ work: (IdempotencyKey?) async throws -> StoredResponse
    ) async throws -> Response {
        guard let header = request.headers[Self.idempotencyKey] else { return try await work(nil).response }
        guard (1...255).contains(header.utf8.count), header.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw Problem.badRequest("an Idempotency-Key is 1 to 255 visible ASCII characters")
        }
        let key = IdempotencyKey(tokenID: try Self.caller(context).tokenID, key: header)
        var hasher = SHA256()
        for part in [request.method.rawValue, request.uri.path, request.headers[.contentType] ?? ""] {
            hasher.update(data: Data(part.utf8))
            hasher.update(data: [0])
        }
        hasher.update(data: body)
        let claim: IdempotencyClaim
        do {
            claim = try await self.store.claim(key, fingerprint: Data(hasher.finalize()), staleAfter: Self.staleClaim)
        } catch {
            context.logger.error("idempotency key not claimed", metadata: ["error": "\(error)"])
            throw Problem.unavailable("the Idempotency-Key cannot be checked now: storage unavailable")
        }
        let claimID: String
        switch claim {
        case .completed(let stored):
            var response = stored.response
            response.headers[Self.idempotentReplayed] = "true"
            return response
        case .inProgress:
            throw Problem(.conflict, "idempotency-key-in-use", "a request with this Idempotency-Key is still running")
        case .mismatch:
            throw Problem(
                .unprocessableContent,
                "idempotency-key-reused",
                "this Idempotency-Key was used for a different request"
            )
        case .claimed(let id):
            claimID = id
        }
        let attempt = Attempt()
        let stored: StoredResponse
        do {
            stored = try await Attempt.$current.withValue(attempt) { try await work(key) }
        } catch let problem as Problem where problem.status.code < 500 {
            // A refusal is final: a retry gets the same answer.
            try? await self.store.complete(key, claim: claimID, response: problem.stored)
            throw problem
        } catch let problem as Problem where !attempt.reachedService {
            // Refused before any of its requests reached the service (starting, busy, stream
            // down): nothing ran, so a retry may run at once.
            try? await self.store.release(key, claim: claimID)
            throw problem
        } catch {
            // The service failed, perhaps after its write: the key stays claimed, and a retry
            // runs again only once the claim is stale (a publish then keeps its ItemID).
            throw error
        }
        do {
            try await self.store.complete(key, claim: claimID, response: stored)
        } catch {
            // The work is done and answered; once the claim is stale a retry runs it again,
            // which a publish makes harmless (same ItemID, see `derivedID(for:)`).
            context.logger.error("idempotent response not stored", metadata: ["error": "\(error)"])
        }
        return stored.response
    }

    /// Whether a request's work got as far as the pubsub service, which `call` records: a
    /// failure after that may have changed something.
    final class Attempt: Sendable {
        @TaskLocal static var current: Attempt?
        private let reached = Atomic<Bool>(false)

        var reachedService: Bool { self.reached.load(ordering: .acquiring) }

        func recordReachedService() {
            self.reached.store(true, ordering: .releasing)
        }
    }

    /// The ItemID of a publish, or the NodeID of an instant node, made with an idempotency key
    /// and no ID of its own: the same for every retry, so a retry that must run again replaces
    /// the item (or finds the node) instead of adding one.
    static func derivedID(for key: IdempotencyKey) -> String {
        let digest = SHA256.hash(data: Data((key.tokenID + "\n" + key.key).utf8))
        return "idem-" + Hex.encode(digest.prefix(16))
    }
}
