import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §8.6, §8.7 and §12.11: owners approve or deny pending subscriptions.
@Suite struct ApprovalTests {
    typealias H = PubSubTestHarness
    static let formType = "http://jabber.org/protocol/pubsub#subscribe_authorization"

    /// An `authorize` node owned by alice and dave, with one item, and bob's pending subscription.
    static func withPendingRequest() async throws -> (PubSubTestHarness, PubSubOutcome) {
        let harness = try PubSubTestHarness()
        try await harness.create("n", config: ["pubsub#access_model": "authorize"])
        try await harness.store.setAffiliations(node: "n", [JID("dave@localhost"): .owner])
        _ = try await harness.send(H.publishXML("n", item: "<item id='i1'><v xmlns='urn:v'/></item>"))
        let outcome = try await harness.send(
            H.pubsubXML("set", from: "bob@localhost/b", "<subscribe node='n' jid='bob@localhost'/>")
        )
        return (harness, outcome)
    }

    static func fields(_ message: XMLElement) -> [String: String] {
        let form = message.child("x", namespace: Namespace.dataForms)
        var fields: [String: String] = [:]
        for field in form?.elements ?? [] where field.name == "field" {
            fields[field[attribute: "var"] ?? ""] = field.child("value", namespace: Namespace.dataForms)?.text
        }
        return fields
    }

    static func decision(_ allow: String, from: String = "alice@localhost/a", type: String = "submit") -> String {
        "<message from='\(from)' to='pubsub.localhost' id='approve1'><x xmlns='jabber:x:data' type='\(type)'>"
            + "<field var='FORM_TYPE' type='hidden'><value>\(Self.formType)</value></field>"
            + "<field var='pubsub#node'><value>n</value></field>"
            + "<field var='pubsub#subscriber_jid'><value>bob@localhost</value></field>"
            + "<field var='pubsub#allow'><value>\(allow)</value></field></x></message>"
    }

    @Test func everyOwnerGetsTheAuthorizationForm() async throws {
        let (harness, outcome) = try await Self.withPendingRequest()
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(outcome.notifications.compactMap { $0[attribute: "to"] } == ["alice@localhost", "dave@localhost"])
        let fields = Self.fields(try #require(outcome.notifications.first))
        let subscription = try #require(try await harness.store.subscriptions(node: "n").first)
        #expect(
            fields == [
                "FORM_TYPE": Self.formType, "pubsub#subid": subscription.id, "pubsub#node": "n",
                "pubsub#subscriber_jid": "bob@localhost", "pubsub#allow": "false",
            ]
        )
        #expect(outcome.notifications.first?.child("x", namespace: Namespace.dataForms)?[attribute: "type"] == "form")
    }

    @Test func approvalSubscribesAndTellsTheSubscriber() async throws {
        let (harness, _) = try await Self.withPendingRequest()
        let outcome = try await harness.send(Self.decision("true"))
        #expect(outcome.reply == nil)
        #expect(try await harness.store.subscriptions(node: "n").map(\.state) == [.subscribed])
        let told = try #require(outcome.notifications.first)
        #expect(told[attribute: "to"] == "bob@localhost")
        let subscription = H.eventChild(told)
        #expect(subscription?.name == "subscription" && subscription?[attribute: "subscription"] == "subscribed")
        // The last published item follows (send_last_published_item on_sub).
        #expect(outcome.notifications.dropFirst().compactMap(H.eventChild).map(\.name) == ["items"])
        // A second answer finds nothing pending and changes nothing.
        #expect(try await harness.send(Self.decision("false", from: "dave@localhost/d")).notifications.isEmpty)
        #expect(try await harness.store.subscriptions(node: "n").map(\.state) == [.subscribed])
    }

    @Test func denialRemovesItAndCancelKeepsItPending() async throws {
        let (harness, _) = try await Self.withPendingRequest()
        #expect(try await harness.send(Self.decision("true", type: "cancel")).notifications.isEmpty)
        #expect(try await harness.store.subscriptions(node: "n").map(\.state) == [.pending])
        let outcome = try await harness.send(Self.decision("0"))
        #expect(try await harness.store.subscriptions(node: "n").isEmpty)
        #expect(outcome.notifications.compactMap(H.eventChild).map { $0[attribute: "subscription"] } == ["none"])
    }

    @Test func othersCannotDecide() async throws {
        let (harness, _) = try await Self.withPendingRequest()
        let outcome = try await harness.send(Self.decision("true", from: "bob@localhost/b"))
        #expect(outcome.reply?[attribute: "type"] == "error")
        #expect(outcome.reply?[attribute: "id"] == "approve1")
        #expect(
            outcome.reply?.child("error", namespace: Namespace.component)?.child(
                "forbidden",
                namespace: Namespace.stanzas
            ) != nil
        )
        #expect(try await harness.store.subscriptions(node: "n").map(\.state) == [.pending])
    }

    static func command(_ from: String, _ inner: String = "", sessionID: String? = nil) -> String {
        let session = sessionID.map { " sessionid='\($0)'" } ?? ""
        return "<iq type='set' id='cmd' from='\(from)' to='pubsub.localhost'>"
            + "<command xmlns='http://jabber.org/protocol/commands' node='http://jabber.org/protocol/pubsub#get-pending'"
            + " action='execute'\(session)>\(inner)</command></iq>"
    }

    @Test func getPendingListsNodesThenResendsTheForms() async throws {
        let (harness, _) = try await Self.withPendingRequest()
        let first = try await harness.iq(Self.command("alice@localhost/a"))
        let command = try #require(first.child("command", namespace: Namespace.commands))
        #expect(command[attribute: "status"] == "executing")
        let sessionID = try #require(command[attribute: "sessionid"])
        let nodeField = command.child("x", namespace: Namespace.dataForms)?.elements.first {
            $0[attribute: "var"] == "pubsub#node"
        }
        #expect(
            nodeField?.elements.filter { $0.name == "option" }.compactMap {
                $0.child("value", namespace: Namespace.dataForms)?.text
            } == ["n"]
        )
        let submit = "<x xmlns='jabber:x:data' type='submit'><field var='pubsub#node'><value>n</value></field></x>"
        let second = try await harness.send(Self.command("alice@localhost/a", submit, sessionID: sessionID))
        #expect(second.reply?.child("command", namespace: Namespace.commands)?[attribute: "status"] == "completed")
        #expect(second.notifications.compactMap { $0[attribute: "to"] } == ["alice@localhost"])
        #expect(Self.fields(try #require(second.notifications.first))["pubsub#subscriber_jid"] == "bob@localhost")
    }

    @Test func administratorsGetThePendingFormsToo() async throws {
        let harness = try PubSubTestHarness(policy: ServicePolicy(administrators: [try JID("root@localhost")]))
        try await harness.create("n", config: ["pubsub#access_model": "authorize"])
        try await harness.subscribe("n", jid: "bob@localhost")
        let submit = "<x xmlns='jabber:x:data' type='submit'><field var='pubsub#node'><value>n</value></field></x>"
        let outcome = try await harness.send(Self.command("root@localhost/console", submit))
        #expect(outcome.reply?[attribute: "type"] == "result")
        #expect(outcome.notifications.compactMap { $0[attribute: "to"] } == ["root@localhost"])
    }

    @Test func getPendingErrors() async throws {
        let (harness, _) = try await Self.withPendingRequest()
        expectError(try await harness.iq(Self.command("bob@localhost/b")), "auth", "forbidden")
        let submit = { (node: String) in
            "<x xmlns='jabber:x:data' type='submit'><field var='pubsub#node'><value>\(node)</value></field></x>"
        }
        expectError(try await harness.iq(Self.command("bob@localhost/b", submit("n"))), "auth", "forbidden")
        expectError(try await harness.iq(Self.command("alice@localhost/a", submit("gone"))), "cancel", "item-not-found")
        let unknown = try await harness.iq(
            "<iq type='set' id='u' from='alice@localhost/a' to='pubsub.localhost'>"
                + "<command xmlns='http://jabber.org/protocol/commands' node='urn:nope' action='execute'/></iq>"
        )
        expectError(unknown, "cancel", "item-not-found")
    }

    @Test func notifySubTellsOwnersOfSubscribersComingAndGoing() async throws {
        let harness = try PubSubTestHarness()
        try await harness.create("n", config: ["pubsub#notify_sub": "1"])
        let subscribed = try await harness.send(
            H.pubsubXML("set", from: "bob@localhost/b", "<subscribe node='n' jid='bob@localhost'/>")
        )
        let told = subscribed.notifications.filter { H.eventChild($0)?.name == "subscription" }
        #expect(told.compactMap { $0[attribute: "to"] } == ["alice@localhost"])
        #expect(H.eventChild(told[0])?[attribute: "jid"] == "bob@localhost")
        let left = try await harness.send(
            H.pubsubXML("set", from: "bob@localhost/b", "<unsubscribe node='n' jid='bob@localhost'/>")
        )
        #expect(left.notifications.compactMap(H.eventChild).map { $0[attribute: "subscription"] } == ["none"])
    }
}
