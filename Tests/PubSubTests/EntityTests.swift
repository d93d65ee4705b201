import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §5.4, §5.6 and §5.7: node meta-data, an entity's subscriptions and affiliations.
@Suite struct EntityTests {
    typealias H = PubSubTestHarness

    @Test func subscriptionsAllAndPerNode() async throws {
        let harness = try H()
        try await harness.create("n1")
        try await harness.create("n2")
        try await harness.subscribe("n1", jid: "bob@localhost")
        try await harness.subscribe("n2", jid: "bob@localhost")
        try await harness.subscribe("n2", jid: "carol@localhost")
        func list(_ inner: String) async throws -> [[String?]] {
            let reply = try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", inner))
            let subscriptions = reply.child("pubsub", namespace: Namespace.pubsub)?
                .child("subscriptions", namespace: Namespace.pubsub)
            return (subscriptions?.elements ?? []).map {
                [$0[attribute: "node"], $0[attribute: "jid"], $0[attribute: "subscription"]]
            }
        }
        #expect(
            try await list("<subscriptions/>") == [
                ["n1", "bob@localhost", "subscribed"], ["n2", "bob@localhost", "subscribed"],
            ]
        )
        #expect(try await list("<subscriptions node='n2'/>") == [["n2", "bob@localhost", "subscribed"]])
        #expect(try await list("<subscriptions node='other'/>").isEmpty)
    }

    @Test func affiliationsAllAndPerNode() async throws {
        let harness = try H()
        try await harness.create("mine", by: "bob@localhost/r")
        try await harness.create("theirs")
        try await harness.store.setAffiliations(node: "theirs", [JID("bob@localhost"): .publisher])
        func list(_ inner: String) async throws -> [[String?]] {
            let reply = try await harness.iq(H.pubsubXML("get", from: "bob@localhost/r", inner))
            let affiliations = reply.child("pubsub", namespace: Namespace.pubsub)?
                .child("affiliations", namespace: Namespace.pubsub)
            return (affiliations?.elements ?? []).map { [$0[attribute: "node"], $0[attribute: "affiliation"]] }
        }
        #expect(try await list("<affiliations/>") == [["mine", "owner"], ["theirs", "publisher"]])
        #expect(try await list("<affiliations node='theirs'/>") == [["theirs", "publisher"]])
        let stranger = try await harness.iq(H.pubsubXML("get", from: "eve@localhost/e", "<affiliations/>"))
        #expect(
            stranger.child("pubsub", namespace: Namespace.pubsub)?.child("affiliations", namespace: Namespace.pubsub)?
                .elements.isEmpty == true
        )
    }

    static func metadata(_ harness: H, node: String, from: String) async throws -> [String: [String]] {
        let reply = try await harness.iq(
            "<iq type='get' id='m' from='\(from)' to='pubsub.localhost'>"
                + "<query xmlns='http://jabber.org/protocol/disco#info' node='\(node)'/></iq>"
        )
        let query = reply.child("query", namespace: Namespace.discoInfo)
        #expect(query?.child("identity", namespace: Namespace.discoInfo)?[attribute: "type"] == "leaf")
        let form = try #require(query?.elements.lazy.compactMap(DataForm.init).first)
        #expect(form.type == "result")
        return Dictionary(uniqueKeysWithValues: form.fields.map { ($0.name, $0.values) })
    }

    @Test func metadataShowsConfigurationAndAutomaticFacts() async throws {
        let harness = try H()
        try await harness.create(
            "n",
            config: ["pubsub#title": "Princely Musings", "pubsub#description": "Updates", "pubsub#max_items": "120"]
        )
        try await harness.subscribe("n", jid: "bob@localhost")
        let fields = try await Self.metadata(harness, node: "n", from: "eve@localhost/e")
        #expect(fields["FORM_TYPE"] == ["http://jabber.org/protocol/pubsub#meta-data"])
        #expect(fields["pubsub#creator"] == ["alice@localhost"])
        #expect(fields["pubsub#creation_date"] == ["2027-01-15T08:00:00Z"])
        #expect(fields["pubsub#title"] == ["Princely Musings"])
        #expect(fields["pubsub#description"] == ["Updates"])
        #expect(fields["pubsub#access_model"] == ["open"])
        #expect(fields["pubsub#publish_model"] == ["publishers"])
        #expect(fields["pubsub#max_items"] == ["120"])
        #expect(fields["pubsub#owner"] == ["alice@localhost"])
        #expect(fields["pubsub#num_subscribers"] == ["1"])

        // A whitelist node shows strangers its configuration but not who is involved.
        try await harness.create("w", config: ["pubsub#access_model": "whitelist"])
        let hidden = try await Self.metadata(harness, node: "w", from: "eve@localhost/e")
        #expect(hidden["pubsub#access_model"] == ["whitelist"])
        #expect(hidden["pubsub#owner"] == nil && hidden["pubsub#num_subscribers"] == nil)
        #expect(
            try await Self.metadata(harness, node: "w", from: "alice@localhost/a")["pubsub#owner"] == [
                "alice@localhost"
            ]
        )
    }
}
