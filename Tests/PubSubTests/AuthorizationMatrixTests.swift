import FoundationEssentials
import Testing
import XMPPCore

@testable import PubSub

/// XEP-0060 §4.1 (affiliations and their privileges) and §4.5 (access models), cell by cell: every
/// affiliation × access model × action is tried through the service and compared with the table
/// below, which spells out the XEP. `Docs/authorization-matrix.md` is this table rendered; the test
/// fails when the two differ (set HERALD_WRITE_DOCS=1 to rewrite the document from the test).
@Suite struct AuthorizationMatrixTests {
    typealias H = PubSubTestHarness

    enum Action: String, CaseIterable {
        case subscribe = "subscribe"
        case retrieve = "retrieve items"
        case publish = "publish"
        case retractOwn = "delete own item"
        case retractOthers = "delete others' item"
        case purge = "purge"
        case configure = "configure"
        case delete = "delete node"
        case manageSubscriptions = "manage subscriptions"
        case manageAffiliations = "manage affiliations"

        /// The request, made by bob.
        var request: String {
            let bob = "bob@localhost/b"
            switch self {
            case .subscribe: return H.pubsubXML("set", from: bob, "<subscribe node='n' jid='bob@localhost'/>")
            case .retrieve: return H.pubsubXML("get", from: bob, "<items node='n'/>")
            case .publish: return H.publishXML("n", item: "<item id='new'><v xmlns='urn:v'/></item>", from: bob)
            case .retractOwn: return H.pubsubXML("set", from: bob, "<retract node='n'><item id='bobs'/></retract>")
            case .retractOthers:
                return H.pubsubXML("set", from: bob, "<retract node='n'><item id='alices'/></retract>")
            case .purge: return H.ownerXML("set", from: bob, "<purge node='n'/>")
            case .configure: return H.ownerXML("get", from: bob, "<configure node='n'/>")
            case .delete: return H.ownerXML("set", from: bob, "<delete node='n'/>")
            case .manageSubscriptions: return H.ownerXML("get", from: bob, "<subscriptions node='n'/>")
            case .manageAffiliations: return H.ownerXML("get", from: bob, "<affiliations node='n'/>")
            }
        }
    }

    static let affiliations: [Affiliation] = [.owner, .publisher, .publishOnly, .member, .none, .outcast]
    static let accessModels = AccessModel.allCases

    /// What XEP-0060 says each cell is: `yes`, `pending`, or `no: <condition>`.
    static func expected(_ affiliation: Affiliation, _ model: AccessModel, _ action: Action) -> String {
        let forbidden = "no: forbidden"
        switch action {
        case .subscribe, .retrieve:
            switch affiliation {
            case .owner, .publisher, .member: return "yes"
            case .publishOnly, .outcast: return forbidden
            case .none:
                switch model {
                case .open: return "yes"
                case .whitelist: return "no: closed-node"
                case .authorize: return action == .subscribe ? "pending" : "no: not-subscribed"
                // Bob shares presence with alice, in her roster group "family" (see `observed`).
                case .presence: return "yes"
                case .roster: return "no: not-in-roster-group"
                }
            }
        case .publish, .retractOwn:
            return [.owner, .publisher, .publishOnly].contains(affiliation) ? "yes" : forbidden
        case .retractOthers:
            return affiliation == .owner ? "yes" : forbidden
        case .purge:
            return [.owner, .publisher].contains(affiliation) ? "yes" : forbidden
        case .configure, .delete, .manageSubscriptions, .manageAffiliations:
            return affiliation == .owner ? "yes" : forbidden
        }
    }

    /// What the service does: alice owns node `n` (with an item of hers and one of bob's), bob has
    /// `affiliation`, and bob makes the request.
    static func observed(_ affiliation: Affiliation, _ model: AccessModel, _ action: Action) async throws -> String {
        let bob = try JID("bob@localhost")
        let harness = try PubSubTestHarness(
            rosters: [try JID("alice@localhost"): [RosterItem(jid: bob, subscription: "both", groups: ["family"])]]
        )
        try await harness.grantRosterAccess()
        try await harness.create(
            "n",
            config: ["pubsub#access_model": model.rawValue, "pubsub#roster_groups_allowed": "friends"]
        )
        for (id, publisher) in [("alices", try JID("alice@localhost")), ("bobs", bob)] {
            try await harness.store.publish(
                Item(id: id, payload: nil, publisher: publisher, publishedAt: harness.clock.now),
                node: "n"
            )
        }
        try await harness.store.setAffiliations(node: "n", [bob: affiliation])
        let reply = try await harness.iq(action.request)
        guard reply[attribute: "type"] == "error" else {
            let subscription = reply.child("pubsub", namespace: Namespace.pubsub)?
                .child("subscription", namespace: Namespace.pubsub)?[attribute: "subscription"]
            return subscription == "pending" ? "pending" : "yes"
        }
        let error = reply.child("error", namespace: Namespace.component)
        let condition =
            error?.elements.first { $0.namespace == Namespace.pubsubErrors }?.name
            ?? error?.elements.first { $0.namespace == Namespace.stanzas }?.name ?? "?"
        return "no: \(condition)"
    }

    @Test(arguments: Self.accessModels) func everyCellIsAsTheXEPSays(_ model: AccessModel) async throws {
        for affiliation in Self.affiliations {
            for action in Action.allCases {
                let observed = try await Self.observed(affiliation, model, action)
                #expect(
                    observed == Self.expected(affiliation, model, action),
                    "\(affiliation.rawValue) × \(model.rawValue) × \(action.rawValue)"
                )
            }
        }
    }

    /// The matrix as Markdown, one table per access model.
    static func rendered() async throws -> String {
        var lines = [
            "# Authorization matrix", "",
            "Generated from `Tests/PubSubTests/AuthorizationMatrixTests.swift`, which makes every request below",
            "as an entity of each affiliation and checks the answer against XEP-0060 §4.1 and §4.5. Do not edit by",
            "hand: run the test with `HERALD_WRITE_DOCS=1` to rewrite this file.", "",
            "`yes`: allowed. `pending`: the subscription waits for an owner's approval. `no: x`: refused with the",
            "error condition `x` (a `pubsub#errors` condition where XEP-0060 names one). Publishing follows the",
            "default `pubsub#publish_model` (`publishers`). Service administrators act as owners everywhere.",
            "For `presence` and `roster` (read through XEP-0356), the entity without affiliation is in the owner's",
            "roster with subscription `both`, in the group `family`, while the node allows the group `friends`.",
        ]
        for model in Self.accessModels {
            lines += ["", "## Access model `\(model.rawValue)`", ""]
            lines.append("| action | " + Self.affiliations.map(\.rawValue).joined(separator: " | ") + " |")
            lines.append("|---|" + String(repeating: "---|", count: Self.affiliations.count))
            for action in Action.allCases {
                var cells: [String] = []
                for affiliation in Self.affiliations {
                    cells.append(try await Self.observed(affiliation, model, action))
                }
                lines.append("| \(action.rawValue) | " + cells.joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func theDocumentShowsTheMatrix() async throws {
        let document = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "Docs/authorization-matrix.md")
        let rendered = try await Self.rendered()
        if ProcessInfo.processInfo.environment["HERALD_WRITE_DOCS"] == "1" {
            try rendered.write(to: document, atomically: true, encoding: .utf8)
        }
        let written = try String(contentsOf: document, encoding: .utf8)
        #expect(written == rendered, "Docs/authorization-matrix.md is out of date:\n\(rendered)")
    }
}
