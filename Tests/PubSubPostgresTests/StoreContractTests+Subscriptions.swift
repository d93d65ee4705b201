import Foundation
import PubSub
import Testing
import XMPPCore

extension StoreContractTests {
    @Test(arguments: Self.backends) func affiliationsPerNodeAndPerJID(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let (one, two) = (Self.nodeID("aff1"), Self.nodeID("aff2"))
            try await store.createNode(Self.node(one))
            try await store.createNode(Self.node(two))
            try await store.setAffiliations(node: one, [JID("bob@localhost/r"): .publisher])
            try await store.setAffiliations(node: two, [Self.bob: .outcast])
            #expect(try await store.affiliations(node: one) == [Self.alice: .owner, Self.bob: .publisher])
            let bobs = try await store.affiliations(jid: JID("bob@localhost/x")).filter {
                $0.key == one || $0.key == two
            }
            #expect(bobs == [one: .publisher, two: .outcast])
            try await store.setAffiliations(node: one, [Self.bob: .member])
            try await store.setAffiliations(node: two, [Self.bob: .none])
            #expect(try await store.affiliation(node: two, jid: Self.bob) == .none)
            #expect(try await store.affiliations(node: one) == [Self.alice: .owner, Self.bob: .member])
            #expect(try await store.affiliations(node: two) == [Self.alice: .owner])
            await #expect(throws: PubSubStoreError.nodeNotFound) {
                try await store.setAffiliations(node: Self.nodeID("missing"), [Self.bob: .member])
            }
            await #expect(throws: PubSubStoreError.nodeNotFound) {
                try await store.setAffiliations(node: Self.nodeID("missing"), [Self.bob: .none])
            }
        }
    }

    @Test(arguments: Self.backends) func differentOptionsMakeAnotherSubscriptionUpToTheLimit(
        _ backend: Backend
    )
        async throws
    {
        try await Self.withStore(backend) { store in
            let (one, two) = (Self.nodeID("multi1"), Self.nodeID("multi2"))
            try await store.createNode(Self.node(one))
            try await store.createNode(Self.node(two))
            let carol = try JID("carol-\(UUID().uuidString)@localhost")
            let body = SubscriptionOptions(includeBody: true)
            let plain = try await store.subscribe(
                Subscription(node: one, jid: carol, id: "p"),
                reuse: .sameOptions,
                limit: 3
            )
            let other = try await store.subscribe(
                Subscription(node: one, jid: carol, id: "b", options: body),
                reuse: .sameOptions,
                limit: 3
            )
            let same = try await store.subscribe(
                Subscription(node: one, jid: carol, id: "b2", options: body),
                reuse: .sameOptions,
                limit: 3
            )
            #expect([plain.id, other.id, same.id] == ["p", "b", "b"])
            let full = try JID("\(carol)/phone")
            _ = try await store.subscribe(Subscription(node: two, jid: full, id: "f"), reuse: .any, limit: 3)
            await #expect(throws: PubSubStoreError.tooManySubscriptions) {
                try await store.subscribe(
                    Subscription(node: two, jid: carol, id: "x", options: body),
                    reuse: .sameOptions,
                    limit: 3
                )
            }
            // At the limit, a subscribe that reuses one still succeeds; a missing node is reported as such.
            let reused = try await store.subscribe(Subscription(node: one, jid: carol, id: "r"), reuse: .any, limit: 3)
            #expect(reused.id == "p")
            await #expect(throws: PubSubStoreError.nodeNotFound) {
                try await store.subscribe(
                    Subscription(node: Self.nodeID("missing"), jid: carol, id: "m"),
                    reuse: .any,
                    limit: 3
                )
            }
            #expect(
                try await store.subscriptions(jid: full).map(\.id) == (one < two ? ["p", "b", "f"] : ["f", "p", "b"])
            )
            #expect(try await store.unsubscribe(node: two, jid: carol, subscriptionID: nil) == 0)
        }
    }

    @Test(arguments: Self.backends) func updatedOptionsAndStateRoundTrip(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("update")
            try await store.createNode(Self.node(id))
            var subscription = try await store.subscribe(
                Subscription(node: id, jid: Self.bob, id: "u", state: .pending),
                reuse: .any,
                limit: .max
            )
            for options in [
                SubscriptionOptions(
                    deliver: false,
                    includeBody: true,
                    showValues: [.away, .dnd],
                    expire: .at(Self.created)
                ),
                SubscriptionOptions(expire: .presence),
            ] {
                subscription.state = .subscribed
                subscription.options = options
                #expect(try await store.updateSubscription(subscription))
                #expect(try await store.subscriptions(node: id) == [subscription])
            }
            subscription.id = "gone"
            #expect(try await !store.updateSubscription(subscription))
        }
    }

    @Test(arguments: Self.backends) func everyConfigurationFieldRoundTrips(_ backend: Backend) async throws {
        try await Self.withStore(backend) { store in
            let id = Self.nodeID("config")
            let configuration = NodeConfiguration(
                title: "T",
                description: "D",
                payloadType: "urn:p",
                maxItems: 42,
                accessModel: .whitelist,
                publishModel: .subscribers,
                deliverPayloads: false,
                deliverNotifications: false,
                persistItems: false,
                sendLastPublishedItem: .onSubscriptionAndPresence,
                presenceBasedDelivery: true,
                notificationType: .normal,
                itemReply: .publisher
            )
            try await store.createNode(Self.node(id, configuration, creator: Self.bob))
            let node = try await store.node(id)
            #expect(node == Self.node(id, configuration, creator: Self.bob))
            #expect(try await store.affiliation(node: id, jid: Self.bob) == .owner)
        }
    }
}
