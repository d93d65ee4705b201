import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PubSub
import Synchronization
import Testing
import XMPPCore

@testable import PubSubHTTP

/// The HTTP API over a real `PubSubService` (in-memory stores): requests go in through
/// Hummingbird's router test client; the notifications the service produced are recorded.
final class APITestHarness: Sendable {
    static let domain = try! JID("pubsub.localhost")
    static let alice = try! JID("alice@localhost")
    static let bob = try! JID("bob@localhost")
    /// Token secrets; the store keeps only their hashes.
    static let aliceToken = "alice-secret"
    static let bobToken = "bob-secret"
    /// A token of the configuration (`http.tokens`), not of the store.
    static let carolToken = "carol-secret"

    let store = InMemoryPubSubStore()
    let apiStore = InMemoryAPIStore(tokens: [
        APITestHarness.aliceToken: Caller(tokenID: "t-alice", jid: APITestHarness.alice),
        APITestHarness.bobToken: Caller(tokenID: "t-bob", jid: APITestHarness.bob),
    ])
    let service: PubSubService
    let notifications = Mutex<[XMLElement]>([])
    /// False: the service is not ready (migrations not applied), as HeraldApp reports it.
    let ready = Atomic<Bool>(true)
    /// Requests the service takes before it refuses as not ready; lets a test fail a request
    /// part way, after its first call went through.
    let callsBeforeRefusing = Atomic<Int>(.max)
    let limits: HTTPAPI.Limits
    let start = ContinuousClock.now

    init(
        maxBodyBytes: Int = 64 * 1024,
        requestsPerSecond: Int = 1000,
        burst: Int = 1000,
        pubsubLimits: PubSubLimits = PubSubLimits()
    ) {
        self.service = PubSubService(
            domain: Self.domain,
            store: self.store,
            limits: pubsubLimits,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        self.limits = HTTPAPI.Limits(
            maxBodyBytes: maxBodyBytes,
            requestsPerSecond: requestsPerSecond,
            burst: burst,
            parser: ParserLimits()
        )
    }

    var application: some ApplicationProtocol {
        let configured = [APIToken.hash(Self.carolToken): Caller(tokenID: "t-carol", jid: try! JID("carol@localhost"))]
        let api = HTTPAPI(
            domain: Self.domain,
            store: self.apiStore,
            configuredTokens: configured,
            limits: self.limits,
            instantNodes: true,
            // Time stands still for the rate limits: a test under ThreadSanitizer is slow enough
            // to refill a bucket between two requests.
            now: { [start] in start },
            execute: { [self] stanza in
                guard self.ready.load(ordering: .relaxed),
                    self.callsBeforeRefusing.wrappingSubtract(1, ordering: .relaxed).oldValue > 0
                else { throw Problem.unavailable("not ready") }
                let outcome = await self.service.handle(stanza)
                self.notifications.withLock { $0 += outcome.notifications }
                return outcome
            }
        )
        let router = Router(context: APIRequestContext.self)
        api.addRoutes(to: router)
        return Application(router: router)
    }

    /// Sends a stanza as an XMPP client would, through the component stream's parser.
    @discardableResult
    func xmpp(_ xml: String) async throws -> PubSubOutcome {
        let parser = XMLStreamParser(mode: .stream)
        let events = try parser.parse(
            Array(
                ("<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>"
                    + xml).utf8
            )
        )
        guard events.count == 2, case .element(let stanza) = events[1] else {
            throw XMLStreamError(.notWellFormed, "test stanza did not parse to one element")
        }
        let outcome = await self.service.handle(stanza)
        self.notifications.withLock { $0 += outcome.notifications }
        return outcome
    }

    func setReady(_ ready: Bool) {
        self.ready.store(ready, ordering: .relaxed)
    }

    func refuse(afterCalls calls: Int) {
        self.callsBeforeRefusing.store(calls, ordering: .relaxed)
    }

    func takeNotifications() -> [XMLElement] {
        self.notifications.withLock { notifications in
            defer { notifications = [] }
            return notifications
        }
    }

    /// A request's headers: the bearer token and any others.
    static func headers(
        token: String? = aliceToken,
        contentType: String? = nil,
        _ extra: [HTTPField.Name: String] = [:]
    ) -> HTTPFields {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer " + token }
        if let contentType { headers[.contentType] = contentType }
        for (name, value) in extra { headers[name] = value }
        return headers
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }
}
