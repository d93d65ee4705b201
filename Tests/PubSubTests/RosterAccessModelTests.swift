import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §4.5 `presence` and `roster` access models over XEP-0356 roster reads.
@Suite struct RosterAccessModelTests {
    typealias H = PubSubTestHarness

    static let alice = try! JID("alice@localhost")

    static func harness(_ roster: [RosterItem]) throws -> PubSubTestHarness {
        try PubSubTestHarness(rosters: [Self.alice: roster])
    }

    static func subscribe(_ harness: PubSubTestHarness, _ user: String) async throws -> XMLElement {
        try await harness.iq(
            H.pubsubXML("set", from: "\(user)@localhost/r", "<subscribe node='n' jid='\(user)@localhost'/>")
        )
    }

    @Test func presenceAdmitsContactsThatGetTheOwnersPresence() async throws {
        let harness = try Self.harness([
            RosterItem(jid: try JID("bob@localhost"), subscription: "from"),
            RosterItem(jid: try JID("carol@localhost"), subscription: "to"),
        ])
        try await harness.grantRosterAccess()
        try await harness.create("n", config: ["pubsub#access_model": "presence"])
        #expect(try await Self.subscribe(harness, "bob")[attribute: "type"] == "result")
        expectError(
            try await Self.subscribe(harness, "carol"),
            "auth",
            "not-authorized",
            pubsub: "presence-subscription-required"
        )
        expectError(
            try await Self.subscribe(harness, "dave"),
            "auth",
            "not-authorized",
            pubsub: "presence-subscription-required"
        )
        let items = try await harness.iq(H.pubsubXML("get", from: "dave@localhost/r", "<items node='n'/>"))
        expectError(items, "auth", "not-authorized", pubsub: "presence-subscription-required")
    }

    @Test func rosterAdmitsOnlyAllowedGroups() async throws {
        let harness = try Self.harness([
            RosterItem(jid: try JID("bob@localhost"), subscription: "both", groups: ["friends", "work"]),
            RosterItem(jid: try JID("carol@localhost"), subscription: "both", groups: ["family"]),
            // The roster model asks for the group only, not for a presence subscription.
            RosterItem(jid: try JID("dave@localhost"), subscription: "none", groups: ["friends"]),
        ])
        try await harness.grantRosterAccess()
        try await harness.create(
            "n",
            config: ["pubsub#access_model": "roster", "pubsub#roster_groups_allowed": "friends"]
        )
        #expect(try await Self.subscribe(harness, "bob")[attribute: "type"] == "result")
        expectError(try await Self.subscribe(harness, "carol"), "auth", "not-authorized", pubsub: "not-in-roster-group")
        #expect(try await Self.subscribe(harness, "dave")[attribute: "type"] == "result")
        let items = try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", "<items node='n'/>"))
        #expect(items[attribute: "type"] == "result")
    }

    @Test func withoutThePrivilegeTheModelsAreRefusedAndNotAdvertised() async throws {
        let harness = try Self.harness([])
        #expect(!harness.service.features.contains("http://jabber.org/protocol/pubsub#access-presence"))
        let refused = try await harness.iq(
            H.pubsubXML(
                "set",
                from: "alice@localhost/a",
                "<create node='n'/><configure>"
                    + H.form("http://jabber.org/protocol/pubsub#node_config", ["pubsub#access_model": ["presence"]])
                    + "</configure>"
            )
        )
        expectError(refused, "modify", "not-acceptable", pubsub: "unsupported-access-model")
        try await harness.grantRosterAccess()
        #expect(harness.service.features.contains("http://jabber.org/protocol/pubsub#access-presence"))
        #expect(harness.service.features.contains("http://jabber.org/protocol/pubsub#access-roster"))
        // A server that takes the privilege back (a new advertisement without roster access).
        _ = try await harness.send(
            "<message from='localhost' to='pubsub.localhost'><privilege xmlns='urn:xmpp:privilege:2'>"
                + "<perm access='message' type='outgoing'/></privilege></message>"
        )
        #expect(!harness.service.features.contains("http://jabber.org/protocol/pubsub#access-roster"))
        // Only a server (a bare domain) can grant it.
        _ = try await harness.send(
            "<message from='mallory@localhost/x' to='pubsub.localhost'><privilege xmlns='urn:xmpp:privilege:2'>"
                + "<perm access='roster' type='get'/></privilege></message>"
        )
        #expect(!harness.service.features.contains("http://jabber.org/protocol/pubsub#access-roster"))
    }

    @Test func otherFieldsChangeWhileThePrivilegeIsGoneAndPushesAreAcknowledged() async throws {
        let harness = try Self.harness([RosterItem(jid: try JID("bob@localhost"), subscription: "both")])
        try await harness.grantRosterAccess()
        try await harness.create("n", config: ["pubsub#access_model": "presence"])
        _ = try await harness.send(
            "<message from='localhost' to='pubsub.localhost'><privilege xmlns='urn:xmpp:privilege:2'/></message>"
        )
        // Only a change of the access model needs the privilege.
        let form = H.form("http://jabber.org/protocol/pubsub#node_config", ["pubsub#title": ["Still here"]])
        let reply = try await harness.iq(H.ownerXML("set", "<configure node='n'>\(form)</configure>"))
        #expect(reply[attribute: "type"] == "result")
        let push = try await harness.iq(
            "<iq type='set' id='push1' from='alice@localhost' to='pubsub.localhost'>"
                + "<query xmlns='jabber:iq:roster'><item jid='bob@localhost' subscription='remove'/></query></iq>"
        )
        #expect(push[attribute: "type"] == "result")
    }

    @Test func anUnreadableRosterIsATemporaryError() async throws {
        // alice's server grants the privilege but then does not know her roster.
        let harness = try PubSubTestHarness(rosters: [:])
        try await harness.grantRosterAccess()
        try await harness.create("n", config: ["pubsub#access_model": "presence"])
        expectError(try await Self.subscribe(harness, "bob"), "wait", "internal-server-error")
        #expect(try await harness.store.subscriptions(node: "n").isEmpty)
    }
}
