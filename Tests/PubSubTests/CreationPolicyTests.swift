import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §8.1.1–§8.1.3: who may create nodes, how many, and instant nodes.
@Suite struct CreationPolicyTests {
    typealias H = PubSubTestHarness

    static func create(_ harness: PubSubTestHarness, _ node: String?, from: String) async throws -> XMLElement {
        let attribute = node.map { " node='\($0)'" } ?? ""
        return try await harness.iq(H.pubsubXML("set", from: from, "<create\(attribute)/>"))
    }

    @Test(arguments: [
        (NodeCreationPolicy.anyone, ["bob@localhost/b", "svc.example.org"], [String]()),
        (.localUsers(domains: ["localhost"]), ["bob@localhost/b"], ["bob@elsewhere/b", "localhost"]),
        (.listed([try! JID("bob@localhost")]), ["bob@localhost/b"], ["carol@localhost/c"]),
        (.administrators, ["root@localhost/r"], ["bob@localhost/b"]),
    ])
    func policyDecidesWhoCreates(policy: NodeCreationPolicy, allowed: [String], refused: [String]) async throws {
        let harness = try PubSubTestHarness(
            policy: ServicePolicy(administrators: [try JID("root@localhost")], nodeCreation: policy)
        )
        for (index, jid) in allowed.enumerated() {
            #expect(try await Self.create(harness, "ok\(index)", from: jid)[attribute: "type"] == "result", "\(jid)")
        }
        for (index, jid) in refused.enumerated() {
            expectError(try await Self.create(harness, "no\(index)", from: jid), "auth", "forbidden")
            // Auto-create on publish follows the same policy.
            expectError(
                try await harness.iq(H.publishXML("auto\(index)", item: "<item/>", from: jid)),
                "auth",
                "forbidden"
            )
        }
        #expect(try await harness.store.nodes().map(\.id).allSatisfy { $0.hasPrefix("ok") })
    }

    @Test func nodesPerOwnerAreCapped() async throws {
        let harness = try PubSubTestHarness(limits: PubSubLimits(maxNodesPerOwner: 2))
        #expect(try await Self.create(harness, "a", from: "bob@localhost/b")[attribute: "type"] == "result")
        #expect(try await Self.create(harness, "b", from: "bob@localhost/b")[attribute: "type"] == "result")
        expectError(try await Self.create(harness, "c", from: "bob@localhost/b"), "wait", "resource-constraint")
        expectError(try await Self.create(harness, "b", from: "carol@localhost/c"), "cancel", "conflict")
        #expect(try await Self.create(harness, "c", from: "carol@localhost/c")[attribute: "type"] == "result")
    }

    @Test func instantNodesCanBeTurnedOff() async throws {
        let harness = try PubSubTestHarness(policy: ServicePolicy(instantNodes: false))
        expectError(
            try await Self.create(harness, nil, from: "bob@localhost/b"),
            "modify",
            "not-acceptable",
            pubsub: "nodeid-required"
        )
        #expect(!harness.service.features.contains("http://jabber.org/protocol/pubsub#instant-nodes"))
    }
}
