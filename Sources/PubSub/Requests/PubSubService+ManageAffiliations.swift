import Logging
import XMPPCore

/// XEP-0060 §8.9: an owner lists and changes the affiliations of a node. Outcasts lose their
/// subscriptions, owners, publishers and members have pending ones approved (§8.7), and the last
/// owner stays.
extension PubSubService {
    func nodeAffiliations(_ iq: IQ, request: XMLElement) async throws -> XMLElement {
        let node = try await self.ownedNode(request, requester: iq.from)
        let affiliations = try await self.store.affiliations(node: node.id)
            .sorted { $0.key.description < $1.key.description }
            .map { ($0.key, $0.value) }
        return iq.result(Self.ownerPayload(Self.ownerAffiliations(node: node.id, affiliations)))
    }

    func modifyAffiliations(_ iq: IQ, request: XMLElement) async throws -> PubSubOutcome {
        let node = try await self.ownedNode(request, requester: iq.from)
        let current = try await self.store.affiliations(node: node.id)
        var changes: [JID: Affiliation] = [:]
        var rejected: [(JID, Affiliation)] = []
        var named: Set<JID> = []
        for entry in request.elements where entry.name == "affiliation" && entry.namespace == Namespace.pubsubOwner {
            guard let jid = entry[attribute: "jid"].flatMap({ try? JID($0) })?.bare else {
                throw PubSubErrors.badRequest("every <affiliation/> needs a valid jid")
            }
            // §8.9.2.4: one entry per entity.
            guard named.insert(jid).inserted else {
                throw PubSubErrors.badRequest("\(jid) is named more than once")
            }
            // §8.9.1: without an affiliation attribute nothing changes.
            guard let value = entry[attribute: "affiliation"] else { continue }
            // An unknown value, or a change the §4.1 state chart does not allow (§8.9.2.4).
            guard let affiliation = Affiliation(rawValue: value), (current[jid] ?? .none).mayBecome(affiliation) else {
                rejected.append((jid, current[jid] ?? .none))
                continue
            }
            if current[jid] ?? .none != affiliation { changes[jid] = affiliation }
        }
        // §8.2.5.2, §8.9.2.4: the entries that would leave the node without an owner are refused.
        let owners =
            current.filter { $0.value == .owner && changes[$0.key] == nil }.count
            + changes.values.count { $0 == .owner }
        if owners == 0 {
            for (jid, _) in changes where current[jid] == .owner {
                changes[jid] = nil
                rejected.append((jid, .owner))
            }
        }
        var notifications: [XMLElement] = []
        if !changes.isEmpty {
            let effects: AffiliationEffects
            do {
                effects = try await self.store.setAffiliations(node: node.id, changes)
            } catch PubSubStoreError.noOwnerLeft {
                // Another owner left at the same moment; nothing was changed.
                throw StanzaError(.modify, .notAcceptable, text: "the node must keep an owner")
            }
            self.logger.debug(
                "affiliations modified",
                metadata: ["pubsub.node": "\(node.id)", "pubsub.changed": "\(changes.count)"]
            )
            if self.policy.notifyAffiliationChanges {
                notifications += changes.sorted { $0.key.description < $1.key.description }.map { jid, affiliation in
                    self.affiliationMessage(node: node, jid: jid, affiliation: affiliation)
                }
            }
            let removed = effects.removed.map { subscription in
                var ended = subscription
                ended.state = .none
                return ended
            }
            notifications += try await self.subscriptionChanged(node: node, removed + effects.approved)
            // On a whitelist node, an entity that lost its affiliation loses its subscriptions too.
            notifications += try await self.enforceAccessModel(node: node, among: Set(changes.keys))
        }
        guard rejected.isEmpty else {
            throw EntriesRejected(
                error: StanzaError(.modify, .notAcceptable),
                detail: Self.ownerPayload(Self.ownerAffiliations(node: node.id, rejected)),
                notifications: notifications
            )
        }
        return PubSubOutcome(reply: iq.result(), notifications: notifications)
    }

    /// §8.9.4: the entity's new affiliation, in the shape of XEP-0060's example.
    private func affiliationMessage(node: Node, jid: JID, affiliation: Affiliation) -> XMLElement {
        let affiliations = XMLElement(
            "affiliations",
            namespace: Namespace.pubsub,
            attributes: ["node": node.id],
            children: [
                (XMLElement(
                    "affiliation",
                    namespace: Namespace.pubsub,
                    attributes: ["jid": jid.description, "affiliation": affiliation.rawValue]
                ))
            ]
        )
        return XMLElement(
            "message",
            namespace: Namespace.component,
            attributes: [
                "from": self.domain.description, "to": jid.description, "id": self.makeID(),
                "type": node.configuration.notificationType.rawValue,
            ],
            children: [Self.pubsubPayload(affiliations)]
        )
    }

    private static func ownerAffiliations(node: String, _ affiliations: [(JID, Affiliation)]) -> XMLElement {
        XMLElement(
            "affiliations",
            namespace: Namespace.pubsubOwner,
            attributes: ["node": node],
            children: affiliations.map { jid, affiliation in
                (XMLElement(
                    "affiliation",
                    namespace: Namespace.pubsubOwner,
                    attributes: ["jid": jid.description, "affiliation": affiliation.rawValue]
                ))
            }
        )
    }
}
