import FoundationEssentials
import Logging
import Synchronization
import Testing
import XMPPCore

@testable import PubSub

/// Drives a `PubSubService` over an in-memory store, behind the cache as in production, with
/// stanzas written as XML text.
struct PubSubTestHarness {
    let service: PubSubService
    let store: CachedPubSubStore
    /// The service's clock, which tests move.
    let clock = TestClock()

    init(
        limits: PubSubLimits = PubSubLimits(),
        policy: ServicePolicy = ServicePolicy(),
        bouncePolicy: BouncePolicy = BouncePolicy(),
        rosters: [JID: [RosterItem]] = [:],
        multicast: Multicast = Multicast(),
        base: any PubSubStore = InMemoryPubSubStore()
    ) throws {
        self.store = CachedPubSubStore(base)
        let counter = IDCounter()
        let clock = self.clock
        self.service = PubSubService(
            domain: try JID("pubsub.localhost"),
            store: self.store,
            limits: limits,
            policy: policy,
            bouncePolicy: bouncePolicy,
            rosterAccess: RosterAccess(request: { iq in Self.rosterAnswer(iq, rosters) }),
            multicast: multicast,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            now: { clock.now },
            makeID: { counter.next() }
        )
    }

    /// What the owner's XMPP server answers to a roster read (XEP-0356): the roster, or
    /// `item-not-found` for an account it does not know.
    static func rosterAnswer(_ iq: XMLElement, _ rosters: [JID: [RosterItem]]) -> XMLElement {
        let request = IQ(iq)!
        guard let roster = rosters[request.to] else { return request.error(StanzaError(.cancel, .itemNotFound)) }
        let items = roster.map { item in
            XMLElement(
                "item",
                namespace: Namespace.roster,
                attributes: [
                    XMLAttribute("jid", value: item.jid.description),
                    XMLAttribute("subscription", value: item.subscription),
                ],
                children: item.groups.map {
                    .element(XMLElement("group", namespace: Namespace.roster, children: [.text($0)]))
                }
            )
        }
        return request.result(XMLElement("query", namespace: Namespace.roster, children: items.map { .element($0) }))
    }

    /// The XMPP server `localhost` grants roster reads (XEP-0356 §4.2), as Prosody's mod_privilege does.
    func grantRosterAccess() async throws {
        _ = try await self.send(
            "<message from='localhost' to='pubsub.localhost'><privilege xmlns='urn:xmpp:privilege:2'>"
                + "<perm access='roster' type='get'/><perm access='presence' type='roster'/></privilege></message>"
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

    /// Creates a node with a `pubsub#node_config` form of these fields.
    func create(_ node: String, by owner: String = "alice@localhost/a", config: [String: String]) async throws {
        let fields = config.sorted { $0.key < $1.key }.map {
            "<field var='\($0.key)'><value>\($0.value)</value></field>"
        }
        let reply = try await self.iq(
            "<iq type='set' id='c' from='\(owner)' to='pubsub.localhost'>"
                + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='\(node)'/><configure>"
                + "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
                + "<value>http://jabber.org/protocol/pubsub#node_config</value></field>"
                + fields.joined() + "</x></configure></pubsub></iq>"
        )
        #expect(reply[attribute: "type"] == "result", "\(XMLSerializer.serialize(reply))")
    }

    func subscribe(_ node: String, jid: String) async throws {
        let reply = try await self.iq(
            "<iq type='set' id='s' from='\(jid)/r' to='pubsub.localhost'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                + "<subscribe node='\(node)' jid='\(jid)'/></pubsub></iq>"
        )
        #expect(reply[attribute: "type"] == "result")
    }

    /// `<iq>` around `<pubsub xmlns='http://jabber.org/protocol/pubsub'>inner</pubsub>`.
    static func pubsubXML(_ type: String, from: String, _ inner: String, id: String = "q") -> String {
        "<iq type='\(type)' id='\(id)' from='\(from)' to='pubsub.localhost'>"
            + "<pubsub xmlns='http://jabber.org/protocol/pubsub'>\(inner)</pubsub></iq>"
    }

    /// A submitted data form of `formType` with these fields (each value list in order).
    static func form(_ formType: String, _ fields: KeyValuePairs<String, [String]>) -> String {
        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>\(formType)</value></field>"
            + fields.map { name, values in
                "<field var='\(name)'>" + values.map { "<value>\($0)</value>" }.joined() + "</field>"
            }.joined() + "</x>"
    }

    static let subscribeOptions = "http://jabber.org/protocol/pubsub#subscribe_options"

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

/// The `pubsub#event` `<items/>` of an event message, as its recipient reads it (the event travels
/// pre-serialized).
func eventItems(_ message: XMLElement) -> XMLElement? {
    (try? PubSubTestHarness.onTheWire(message))?.child("event", namespace: Namespace.pubsubEvent)?
        .child("items", namespace: Namespace.pubsubEvent)
}

/// A clock tests set by hand.
final class TestClock: Sendable {
    private let value = Mutex(Date(timeIntervalSince1970: 1_800_000_000))

    var now: Date { self.value.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        self.value.withLock { $0 += seconds }
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
