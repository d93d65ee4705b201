import Logging
import XMPPCore

/// The access-model rules of XEP-0060 §4.5 for subscribing (§6.1.3) and reading items (§6.5.2).
extension PubSubService {
    /// The state a new subscription of `entity` gets, or the error that refuses it.
    func subscriptionState(_ node: Node, affiliation: Affiliation, entity: JID) async throws -> SubscriptionState {
        switch affiliation {
        case .outcast, .publishOnly: throw PubSubErrors.forbidden  // §6.1.3.8; §4.1 table 3
        case .owner, .publisher, .member: return .subscribed
        case .none: break
        }
        switch node.configuration.accessModel {
        case .open: return .subscribed
        case .whitelist: throw PubSubErrors.closedNode
        case .authorize: return .pending
        case .presence, .roster:
            try await self.checkRoster(node, entity: entity)
            return .subscribed
        }
    }

    /// Throws unless `entity` may read the node's items; `subscriptions` are its own.
    func checkRetrieveAccess(
        _ node: Node,
        affiliation: Affiliation,
        entity: JID,
        subscriptions: [Subscription]
    ) async throws {
        switch affiliation {
        case .outcast, .publishOnly: throw PubSubErrors.forbidden
        case .owner, .publisher, .member: return
        case .none: break
        }
        switch node.configuration.accessModel {
        case .open: return
        case .whitelist: throw PubSubErrors.closedNode
        case .authorize:
            guard subscriptions.contains(where: { $0.state == .subscribed }) else {
                throw PubSubErrors.notSubscribedToRead
            }
        case .presence, .roster:
            try await self.checkRoster(node, entity: entity)
        }
    }

    /// §4.5: `presence` admits the contacts an owner shares presence with (subscription `from` or
    /// `both` in the owner's roster, §6.1.3.2); `roster` admits the contacts in an allowed roster
    /// group (§6.1.3.3). Each owner's roster is read fresh, so a change there counts at once.
    private func checkRoster(_ node: Node, entity: JID) async throws {
        let owners = try await self.store.affiliations(node: node.id).filter { $0.value == .owner }.keys
            .sorted { $0.description < $1.description }
        var readAny = false
        for owner in owners where self.rosterAccess.canRead(rosterOf: owner) {
            let roster: [RosterItem]
            do {
                roster = try await self.rosterAccess.roster(of: owner, service: self.domain, id: self.makeID())
            } catch {
                self.logger.warning(
                    "roster not read",
                    metadata: ["pubsub.node": "\(node.id)", "xmpp.jid": "\(owner)", "error": "\(error)"]
                )
                continue
            }
            readAny = true
            guard let item = roster.first(where: { $0.jid == entity.bare }) else { continue }
            switch node.configuration.accessModel {
            case .presence where item.receivesPresence: return
            // §4.5: the roster model asks for the group only, whatever the presence subscription.
            case .roster where !Set(item.groups).isDisjoint(with: node.configuration.rosterGroupsAllowed): return
            default: continue
            }
        }
        guard readAny else {
            throw StanzaError(.wait, .internalServerError, text: "the node owner's roster cannot be read now")
        }
        throw node.configuration.accessModel == .presence
            ? PubSubErrors.presenceSubscriptionRequired : PubSubErrors.notInRosterGroup
    }

    /// The one subscription a request means (§6.2.3.1, §6.2.3.5): the one named by `subid`, or the
    /// only one when none is named.
    static func selectSubscription(
        _ subscriptions: [Subscription],
        subid: String?,
        notSubscribed: StanzaError
    ) throws -> Subscription {
        guard !subscriptions.isEmpty else { throw notSubscribed }
        if let subid {
            guard let subscription = subscriptions.first(where: { $0.id == subid }) else {
                throw PubSubErrors.invalidSubID
            }
            return subscription
        }
        guard subscriptions.count == 1 else { throw PubSubErrors.subIDRequired }
        return subscriptions[0]
    }

    /// The subscription an unsubscribe or options request names by node, jid and subid (§6.2, §6.3).
    /// A missing node attribute is `nodeid-required`: there is no root collection to address.
    func namedSubscription(
        _ request: XMLElement,
        requester: JID,
        missingJID: StanzaError,
        notSubscribed: StanzaError
    ) async throws -> Subscription {
        guard let nodeID = request[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        let jid = try Self.subscriberJID(
            request,
            requester: requester,
            missing: missingJID,
            mismatch: PubSubErrors.forbidden
        )
        _ = try await self.existingNode(nodeID)
        return try Self.selectSubscription(
            try await self.subscriptions(of: jid, node: nodeID),
            subid: request[attribute: "subid"],
            notSubscribed: notSubscribed
        )
    }

    /// The `jid` attribute, which must name the requester (bare JIDs compared, §6.1.3.1).
    static func subscriberJID(
        _ element: XMLElement,
        requester: JID,
        missing: StanzaError,
        mismatch: StanzaError
    )
        throws -> JID
    {
        guard let value = element[attribute: "jid"] else { throw missing }
        guard let jid = try? JID(value) else { throw PubSubErrors.invalidJID }
        guard jid.bare == requester.bare else { throw mismatch }
        return jid
    }

    /// The subscriptions of every JID with this bare JID, without lapsed leases (§12.19): those are
    /// deleted here, so that no count, SubID choice or listing ever sees them. Every per-JID read
    /// goes through this one place.
    func liveSubscriptions(of jid: JID) async throws -> [Subscription] {
        let now = self.now()
        var live: [Subscription] = []
        for subscription in try await self.store.subscriptions(jid: jid) {
            guard subscription.options.isCurrent(at: now) else {
                _ = try await self.store.unsubscribe(
                    node: subscription.node,
                    jid: subscription.jid,
                    subscriptionID: subscription.id
                )
                self.logger.debug(
                    "lease ended",
                    metadata: ["pubsub.node": "\(subscription.node)", "xmpp.jid": "\(subscription.jid)"]
                )
                continue
            }
            live.append(subscription)
        }
        return live
    }

    /// The live subscriptions of exactly `jid` to `node`.
    func subscriptions(of jid: JID, node: String) async throws -> [Subscription] {
        try await self.liveSubscriptions(of: jid).filter { $0.node == node && $0.jid == jid }
    }

    /// The subscriptions through which a requester's session gets events: its full JID's and its bare JID's.
    func requesterSubscriptions(_ requester: JID, node: String) async throws -> [Subscription] {
        try await self.liveSubscriptions(of: requester).filter {
            $0.node == node && ($0.jid == requester || $0.jid == requester.bare)
        }
    }

    /// The affiliation that decides what `jid` may do on a node: a service administrator acts as an owner.
    func affiliation(_ jid: JID, node: String) async throws -> Affiliation {
        if self.policy.isAdministrator(jid) { return .owner }
        return try await self.store.affiliation(node: node, jid: jid)
    }

    /// The node an owner request names (§8), if the requester owns it or administers the service.
    /// A missing node attribute is `nodeid-required`: there is no root collection to address.
    func ownedNode(_ request: XMLElement, requester: JID) async throws -> Node {
        guard let nodeID = request[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        let node = try await self.existingNode(nodeID)
        guard try await self.affiliation(requester, node: nodeID) == .owner else { throw PubSubErrors.forbidden }
        return node
    }

    /// The node, or `item-not-found`.
    func existingNode(_ id: String) async throws -> Node {
        guard let node = try await self.store.node(id) else { throw PubSubErrors.nodeNotFound }
        return node
    }
}
