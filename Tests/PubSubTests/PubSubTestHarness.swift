import Logging
import Synchronization
import Testing
import XMPPCore

@testable import PubSub

/// Drives a `PubSubService` over an in-memory store with stanzas written as XML text.
struct PubSubTestHarness {
    let service: PubSubService

    init(limits: PubSubLimits = PubSubLimits()) throws {
        let counter = IDCounter()
        self.service = PubSubService(
            domain: try JID("pubsub.localhost"),
            store: InMemoryPubSubStore(),
            limits: limits,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            makeID: { counter.next() }
        )
    }

    /// Parses a stanza as it would arrive on the component stream.
    static func stanza(_ xml: String) throws -> XMLElement {
        let parser = XMLStreamParser(mode: .stream)
        let events = try parser.parse(
            Array(
                ("<stream:stream xmlns='jabber:component:accept' "
                    + "xmlns:stream='http://etherx.jabber.org/streams'>" + xml).utf8
            )
        )
        guard events.count == 2, case .element(let element) = events[1] else {
            throw XMLStreamError(.notWellFormed, "test stanza did not parse to one element")
        }
        return element
    }

    /// A stanza as its recipient sees it: serialized for the component stream, then parsed back.
    /// Payloads travel pre-serialized, so this is how their content is checked.
    static func onTheWire(_ stanza: XMLElement) throws -> XMLElement {
        try Self.stanza(XMLSerializer.serialize(stanza, inheritedNamespace: Namespace.component))
    }

    func send(_ xml: String) async throws -> PubSubOutcome {
        await self.service.handle(try Self.stanza(xml))
    }

    /// Sends an IQ and returns its reply, checking that there is exactly one with the request's id.
    func iq(_ xml: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> XMLElement {
        let request = try Self.stanza(xml)
        let outcome = await self.service.handle(request)
        let reply = try #require(outcome.reply, "every IQ get/set gets a reply", sourceLocation: sourceLocation)
        #expect(reply[attribute: "id"] == request[attribute: "id"], sourceLocation: sourceLocation)
        #expect(reply[attribute: "to"] == request[attribute: "from"], sourceLocation: sourceLocation)
        return reply
    }

    func create(_ node: String, by owner: String = "alice@localhost/a") async throws {
        let reply = try await self.iq(
            "<iq type='set' id='c' from='\(owner)' to='pubsub.localhost'>"
                + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='\(node)'/></pubsub></iq>"
        )
        #expect(reply[attribute: "type"] == "result")
    }

    func subscribe(_ node: String, jid: String) async throws {
        let reply = try await self.iq(
            "<iq type='set' id='s' from='\(jid)/r' to='pubsub.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                + "<subscribe node='\(node)' jid='\(jid)'/></pubsub></iq>"
        )
        #expect(reply[attribute: "type"] == "result")
    }

    static func publishXML(_ node: String, item: String, from: String = "alice@localhost/a") -> String {
        "<iq type='set' id='p' from='\(from)' to='pubsub.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
            + "<publish node='\(node)'>\(item)</publish></pubsub></iq>"
    }
}

/// Expects `reply` to be an error with this type, condition and optional pubsub condition.
func expectError(
    _ reply: XMLElement,
    _ type: String,
    _ condition: String,
    pubsub: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(reply[attribute: "type"] == "error", "\(XMLSerializer.serialize(reply))", sourceLocation: sourceLocation)
    let error = reply.child("error", namespace: Namespace.component)
    #expect(error?[attribute: "type"] == type, sourceLocation: sourceLocation)
    #expect(
        error?.child(condition, namespace: Namespace.stanzas) != nil,
        "missing \(condition)",
        sourceLocation: sourceLocation
    )
    if let pubsub {
        #expect(
            error?.child(pubsub, namespace: Namespace.pubsubErrors) != nil,
            "missing \(pubsub)",
            sourceLocation: sourceLocation
        )
    }
}

/// Deterministic IDs: id-1, id-2, …
final class IDCounter: Sendable {
    private let value = Mutex(0)

    func next() -> String {
        let number = self.value.withLock { value in
            value += 1
            return value
        }
        return "id-\(number)"
    }
}
