import XMPPCore

/// XEP-0060 §8: requests in the `pubsub#owner` namespace, each made by an owner of the node named
/// (or a service administrator).
extension PubSubService {
    func owner(_ iq: IQ, _ pubsub: XMLElement) async throws -> PubSubOutcome {
        let actions = pubsub.elements.filter { $0.namespace == Namespace.pubsubOwner }
        guard actions.count == 1, let action = actions.first else {
            throw PubSubErrors.badRequest("an owner request has exactly one action element")
        }
        switch (action.name, iq.kind) {
        case ("configure", .get):
            return PubSubOutcome(reply: try await self.configurationForm(iq, configure: action))
        case ("configure", .set):
            return try await self.configure(iq, configure: action)
        case ("default", .get):
            return PubSubOutcome(reply: try self.defaultConfiguration(iq, request: action))
        case ("delete", .set):
            return try await self.deleteNode(iq, delete: action)
        case ("purge", .set):
            return try await self.purge(iq, purge: action)
        case ("subscriptions", .get):
            return PubSubOutcome(reply: try await self.nodeSubscriptions(iq, request: action))
        case ("subscriptions", .set):
            return try await self.modifySubscriptions(iq, request: action)
        case ("affiliations", .get):
            return PubSubOutcome(reply: try await self.nodeAffiliations(iq, request: action))
        case ("affiliations", .set):
            return try await self.modifyAffiliations(iq, request: action)
        case ("default", .set), ("delete", .get), ("purge", .get):
            throw PubSubErrors.badRequest("<\(action.name)/> is not valid in an IQ of type \(iq.kind.rawValue)")
        default:
            throw PubSubErrors.unsupported(action.name)
        }
    }

    /// `<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>` around one child.
    static func ownerPayload(_ child: XMLElement) -> XMLElement {
        XMLElement("pubsub", namespace: Namespace.pubsubOwner, children: [.element(child)])
    }
}
