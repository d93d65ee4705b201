import Synchronization
import Testing
import XMPPCore

@testable import PubSub

/// XEP-0033: fan-outs through the server's multicast service, once it confirmed it is one.
@Suite struct MulticastTests {
    typealias H = PubSubTestHarness
    static let item = "<item id='i1'><p xmlns='urn:p'>Hello</p></item>"
    let service = try! JID("multicast.localhost")
    let pubsub = try! JID("pubsub.localhost")
    /// The component stream's number, which tests move to play a reconnect.
    let stream = Shared(1)
    /// The disco#info requests the service was sent.
    let asked = Shared(0)
    /// Whether the service's disco#info lists XEP-0033's feature now.
    let isService = Shared(true)

    final class Shared<Value: Sendable>: Sendable {
        let value: Mutex<Value>
        init(_ value: Value) { self.value = Mutex(value) }
    }

    /// A multicast service, at most `maxAddresses` a message, whose disco#info lists XEP-0033's
    /// feature while `isService` is set.
    func multicast(maxAddresses: Int = 2, retryAfter: Duration = .seconds(60)) -> Multicast {
        let stream = self.stream
        let asked = self.asked
        let isService = self.isService
        return Multicast(
            service: self.service,
            maxAddresses: maxAddresses,
            request: { iq in
                asked.value.withLock { $0 += 1 }
                let request = IQ(iq)!
                let features = [Namespace.discoInfo] + (isService.value.withLock { $0 } ? [Namespace.address] : [])
                let info = features.map {
                    XMLElement("feature", namespace: Namespace.discoInfo, attributes: ["var": $0])
                }
                return request.result(
                    XMLElement("query", namespace: Namespace.discoInfo, children: info.map { .element($0) })
                )
            },
            stream: { stream.value.withLock { $0 } },
            retryAfter: retryAfter
        )
    }

    /// A node `n` with these plain subscribers.
    func harness(_ multicast: Multicast, subscribers: [String]) async throws -> H {
        let harness = try H(multicast: multicast)
        try await harness.create("n")
        for subscriber in subscribers {
            try await harness.subscribe("n", jid: subscriber)
        }
        return harness
    }

    static func bcc(_ message: XMLElement) -> [String] {
        let addresses = message.child("addresses", namespace: Namespace.address)?.elements ?? []
        return addresses.map { "\($0[attribute: "type"] ?? "?") \($0[attribute: "jid"] ?? "?")" }
    }

    @Test func aConfirmedServiceCarriesTheFanOutInEvenMessagesOfAtMostItsLimit() async throws {
        let multicast = self.multicast()
        await multicast.ask(from: self.pubsub, on: 1)
        let harness = try await self.harness(
            multicast,
            subscribers: ["bob@localhost", "carol@localhost", "dave@localhost"]
        )
        let sent = try await harness.send(H.publishXML("n", item: Self.item)).notifications
        #expect(sent.map { $0[attribute: "to"] } == ["multicast.localhost", "multicast.localhost"])
        #expect(sent.map(Self.bcc) == [["bcc bob@localhost", "bcc carol@localhost"], ["bcc dave@localhost"]])
        for message in sent {
            #expect(message[attribute: "from"] == "pubsub.localhost")
            #expect(message[attribute: "type"] == "headline")
            #expect(eventItems(message)?.child("item", namespace: Namespace.pubsubEvent)?[attribute: "id"] == "i1")
        }
        let ids = sent.compactMap { $0[attribute: "id"] }
        #expect(ids.count == 2 && ids[0].hasSuffix("-0+2") && ids[1].hasSuffix("-2+1"))
    }

    @Test func partsAreEvenNotFullThenRest() async throws {
        let multicast = self.multicast(maxAddresses: 4)
        await multicast.ask(from: self.pubsub, on: 1)
        let harness = try await self.harness(
            multicast,
            subscribers: ["a", "b", "c", "d", "e"].map { "\($0)@localhost" }
        )
        let sent = try await harness.send(H.publishXML("n", item: Self.item)).notifications
        #expect(sent.map { Self.bcc($0).count } == [3, 2])
        #expect(sent.compactMap { $0[attribute: "id"]?.split(separator: "-").last } == ["0+3", "3+2"])
    }

    @Test func partsCoverEveryAddressOnceInEvenSizes() {
        let multicast = Multicast(service: self.service, maxAddresses: 99)
        #expect(multicast.parts(of: 0).isEmpty)
        #expect(multicast.parts(of: 99) == [0..<99])
        #expect(multicast.parts(of: 100) == [0..<50, 50..<100])
        #expect(multicast.parts(of: 199) == [0..<67, 67..<133, 133..<199])
    }

    @Test func aLastSharedAddresseeGoesOnItsOwnAndEachBounceIsTraced() async throws {
        let multicast = self.multicast()
        await multicast.ask(from: self.pubsub, on: 1)
        let harness = try await self.harness(multicast, subscribers: ["bob@localhost"])
        let withBody = "<options>" + H.form(H.subscribeOptions, ["pubsub#include_body": ["1"]]) + "</options>"
        _ = try await harness.iq(
            H.pubsubXML("set", from: "dave@localhost/r", "<subscribe node='n' jid='dave@localhost'/>\(withBody)")
        )
        let sent = try await harness.send(H.publishXML("n", item: Self.item)).notifications
        #expect(sent.map { $0[attribute: "to"] } == ["bob@localhost", "dave@localhost"])
        #expect(sent.compactMap { $0[attribute: "id"]?.split(separator: "-").last } == ["0", "1"])
        for message in sent {
            _ = try await harness.send(PresenceDeliveryTests.bounce(message, type: "cancel", condition: "gone"))
        }
        #expect(try await harness.store.subscriptions(node: "n").isEmpty)
    }

    @Test func aRefusingServiceIsAskedAgainLater() async throws {
        self.isService.value.withLock { $0 = false }
        let multicast = self.multicast(retryAfter: .zero)
        await multicast.ask(from: self.pubsub, on: 1)
        let harness = try await self.harness(multicast, subscribers: ["bob@localhost", "carol@localhost"])
        self.isService.value.withLock { $0 = true }
        // Past retryAfter, a fan-out sends on its own and asks in the background.
        let first = try await harness.send(H.publishXML("n", item: Self.item)).notifications
        #expect(first.map { $0[attribute: "to"] } == ["bob@localhost", "carol@localhost"])
        for _ in 0..<500 where self.asked.value.withLock({ $0 }) < 2 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(self.asked.value.withLock { $0 } == 2)
        await multicast.ask(from: self.pubsub, on: 1)
        let second = try await harness.send(H.publishXML("n", item: Self.item)).notifications
        #expect(second.map { $0[attribute: "to"] } == ["multicast.localhost"])
    }

    @Test func tooManyAddressesStopsItsUseForTheStream() async throws {
        let multicast = self.multicast(retryAfter: .zero)
        await multicast.ask(from: self.pubsub, on: 1)
        let harness = try await self.harness(multicast, subscribers: ["bob@localhost", "carol@localhost"])
        let message = try #require(try await harness.send(H.publishXML("n", item: Self.item)).notifications.first)
        _ = try await harness.send(
            "<message type='error' id='\(message[attribute: "id"]!)' from='multicast.localhost' to='pubsub.localhost'>"
                + "<error type='modify'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        )
        // Even with no wait before asking again, it is not asked again on this stream.
        for _ in 0..<2 {
            let sent = try await harness.send(H.publishXML("n", item: Self.item)).notifications
            #expect(sent.map { $0[attribute: "to"] } == ["bob@localhost", "carol@localhost"])
        }
        #expect(self.asked.value.withLock { $0 } == 1)
        // A new stream asks again.
        self.stream.value.withLock { $0 = 2 }
        await multicast.ask(from: self.pubsub, on: 2)
        #expect(
            try await harness.send(H.publishXML("n", item: Self.item)).notifications.first?[attribute: "to"]
                == "multicast.localhost"
        )
    }

    @Test func anErrorBeforeTheServiceIsConfirmedChangesNothing() async throws {
        let multicast = self.multicast()
        let harness = try await self.harness(multicast, subscribers: ["bob@localhost", "carol@localhost"])
        _ = try await harness.send(
            "<message type='error' id='x-0+2' from='multicast.localhost' to='pubsub.localhost'>"
                + "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        )
        await multicast.ask(from: self.pubsub, on: 1)
        let sent = try await harness.send(H.publishXML("n", item: Self.item)).notifications
        #expect(sent.map { $0[attribute: "to"] } == ["multicast.localhost"])
    }

    @Test func aMessageOfItsOwnForSeveralSubscriptionsOrABody() async throws {
        let multicast = self.multicast(maxAddresses: 10)
        await multicast.ask(from: self.pubsub, on: 1)
        let harness = try await self.harness(multicast, subscribers: ["bob@localhost", "carol@localhost"])
        // carol's second subscription makes her message carry SubID headers; dave's asks for a body.
        let withBody = "<options>" + H.form(H.subscribeOptions, ["pubsub#include_body": ["1"]]) + "</options>"
        for jid in ["carol@localhost", "dave@localhost"] {
            _ = try await harness.iq(
                H.pubsubXML("set", from: "\(jid)/r", "<subscribe node='n' jid='\(jid)'/>\(withBody)")
            )
        }
        _ = try await harness.iq(
            H.pubsubXML("set", from: "eve@localhost/r", "<subscribe node='n' jid='eve@localhost'/>")
        )
        let sent = try await harness.send(H.publishXML("n", item: Self.item)).notifications
        #expect(sent.map { $0[attribute: "to"] } == ["multicast.localhost", "carol@localhost", "dave@localhost"])
        #expect(Self.bcc(sent[0]) == ["bcc bob@localhost", "bcc eve@localhost"])
        let carol = try H.onTheWire(sent[1])
        #expect(carol.child("headers", namespace: Namespace.shim)?.elements.count == 2)
        #expect(carol.child("addresses", namespace: Namespace.address) == nil)
        #expect(try H.onTheWire(sent[2]).child("body", namespace: Namespace.component)?.text == "Hello")
    }

    @Test func aServiceThatIsNoneIsNotUsed() async throws {
        self.isService.value.withLock { $0 = false }
        let multicast = self.multicast()
        await multicast.ask(from: self.pubsub, on: 1)
        let harness = try await self.harness(multicast, subscribers: ["bob@localhost", "carol@localhost"])
        let sent = try await harness.send(H.publishXML("n", item: Self.item)).notifications
        #expect(sent.map { $0[attribute: "to"] } == ["bob@localhost", "carol@localhost"])
        #expect(sent.allSatisfy { $0.child("addresses", namespace: Namespace.address) == nil })
        // Asked once a stream, not on every event.
        #expect(self.asked.value.withLock { $0 } == 1)
    }

    @Test func aNewStreamAsksAgainAndSendsOnItsOwnMeanwhile() async throws {
        let multicast = self.multicast()
        let harness = try await self.harness(multicast, subscribers: ["bob@localhost", "carol@localhost"])
        func addressees() async throws -> [String?] {
            try await harness.send(H.publishXML("n", item: Self.item)).notifications.map { $0[attribute: "to"] }
        }
        // Not yet asked on this stream: the event goes on its own, and the question goes out.
        #expect(try await addressees() == ["bob@localhost", "carol@localhost"])
        await multicast.ask(from: self.pubsub, on: 1)
        #expect(try await addressees() == ["multicast.localhost"])
        self.stream.value.withLock { $0 = 2 }
        #expect(try await addressees() == ["bob@localhost", "carol@localhost"])
        await multicast.ask(from: self.pubsub, on: 2)
        #expect(try await addressees() == ["multicast.localhost"])
    }

    @Test func aLoneAddresseeGetsAMessageOfItsOwn() async throws {
        let multicast = self.multicast()
        await multicast.ask(from: self.pubsub, on: 1)
        let harness = try await self.harness(multicast, subscribers: ["bob@localhost"])
        let sent = try await harness.send(H.publishXML("n", item: Self.item)).notifications
        #expect(sent.map { $0[attribute: "to"] } == ["bob@localhost"])
        #expect(sent.first?.child("addresses", namespace: Namespace.address) == nil)
        // Not asked again: a fan-out to one subscriber never needs the service.
        #expect(self.asked.value.withLock { $0 } == 1)
    }

    @Test func aBouncedCopyEndsOnlyItsRecipientsSubscription() async throws {
        let multicast = self.multicast(maxAddresses: 10)
        await multicast.ask(from: self.pubsub, on: 1)
        let harness = try await self.harness(multicast, subscribers: ["bob@localhost", "carol@localhost"])
        let message = try #require(try await harness.send(H.publishXML("n", item: Self.item)).notifications.first)
        let id = try #require(message[attribute: "id"])
        func bounce(from: String) -> String {
            "<message type='error' id='\(id)' from='\(from)' to='pubsub.localhost'><error type='cancel'>"
                + "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        }
        _ = try await harness.send(bounce(from: "eve@localhost"))
        #expect(try await harness.store.subscriptions(node: "n").count == 2)
        _ = try await harness.send(bounce(from: "carol@localhost"))
        #expect(try await harness.store.subscriptions(node: "n").map(\.jid.description) == ["bob@localhost"])
    }

    @Test func anErrorFromTheServiceStopsItsUseOnThisStream() async throws {
        let multicast = self.multicast(maxAddresses: 10)
        await multicast.ask(from: self.pubsub, on: 1)
        let harness = try await self.harness(multicast, subscribers: ["bob@localhost", "carol@localhost"])
        let message = try #require(try await harness.send(H.publishXML("n", item: Self.item)).notifications.first)
        #expect(message[attribute: "to"] == "multicast.localhost")
        let outcome = try await harness.send(
            "<message type='error' id='\(message[attribute: "id"]!)' from='multicast.localhost' to='pubsub.localhost'>"
                + "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>"
        )
        #expect(outcome.reply == nil && outcome.notifications.isEmpty)
        #expect(try await harness.store.subscriptions(node: "n").count == 2)
        let after = try await harness.send(H.publishXML("n", item: Self.item)).notifications
        #expect(after.map { $0[attribute: "to"] } == ["bob@localhost", "carol@localhost"])
    }
}
