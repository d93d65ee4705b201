import Logging
import XMPPCore

/// XEP-0060 §8.7: the XEP-0050 command an owner runs to have the pending subscriptions of a node
/// put to it again. The first step lists the requester's nodes; submitting one sends an
/// authorization form per pending subscription. Nothing is kept between the steps.
extension PubSubService {
    static let getPendingCommand = Namespace.pubsub + "#get-pending"

    func command(_ iq: IQ, command: XMLElement) async throws -> PubSubOutcome {
        guard command[attribute: "node"] == Self.getPendingCommand else {
            throw StanzaError(.cancel, .itemNotFound, text: "unknown command")
        }
        let sessionID = command[attribute: "sessionid"] ?? "get-pending-\(self.makeID())"
        switch command[attribute: "action"] ?? "execute" {
        case "cancel":
            return PubSubOutcome(reply: iq.result(Self.commandElement(sessionID, status: "canceled")))
        case "execute", "complete", "next":
            break
        default:
            throw StanzaError(.modify, .badRequest, applicationCondition: Self.commandCondition("bad-action"))
        }
        guard let form = command.elements.lazy.compactMap(DataForm.init).first(where: { $0.type == "submit" }) else {
            return PubSubOutcome(reply: try await self.pendingNodesForm(iq, sessionID: sessionID))
        }
        guard let nodeID = form.fields.first(where: { $0.name == "pubsub#node" })?.values.first else {
            throw StanzaError(.modify, .badRequest, applicationCondition: Self.commandCondition("bad-payload"))
        }
        let node = try await self.existingNode(nodeID)
        guard try await self.affiliation(iq.from, node: nodeID) == .owner else { throw PubSubErrors.forbidden }
        var requests: [XMLElement] = []
        for subscription in try await self.store.subscriptions(node: nodeID) where subscription.state == .pending {
            // To the requester's bare JID, like the ones sent when the requests arrived (an
            // administrator asking gets them too).
            requests += try await self.authorizationRequests(for: subscription, node: node, to: [iq.from.bare])
        }
        return PubSubOutcome(
            reply: iq.result(Self.commandElement(sessionID, status: "completed")),
            notifications: requests
        )
    }

    /// §8.7.2: the nodes the requester may approve subscriptions for, as a form to pick one.
    private func pendingNodesForm(_ iq: IQ, sessionID: String) async throws -> XMLElement {
        let owned: [String]
        if self.policy.isAdministrator(iq.from) {
            owned = try await self.store.nodes().map(\.id)
        } else {
            owned = try await self.store.affiliations(jid: iq.from).filter { $0.value == .owner }.keys.sorted()
        }
        guard !owned.isEmpty else { throw PubSubErrors.forbidden }
        let form = DataForm(
            type: "form",
            formType: Self.authorizationFormType,
            fields: [DataForm.Field("pubsub#node", type: "list-single", label: "Node", values: [], options: owned)]
        )
        var element = Self.commandElement(sessionID, status: "executing")
        element.append(
            XMLElement(
                "actions",
                namespace: Namespace.commands,
                attributes: ["execute": "complete"],
                children: [XMLElement("complete", namespace: Namespace.commands)]
            )
        )
        element.append(form.element)
        return iq.result(element)
    }

    private static func commandElement(_ sessionID: String, status: String) -> XMLElement {
        XMLElement(
            "command",
            namespace: Namespace.commands,
            attributes: ["node": Self.getPendingCommand, "sessionid": sessionID, "status": status]
        )
    }

    private static func commandCondition(_ name: String) -> XMLElement {
        XMLElement(name, namespace: Namespace.commands)
    }
}
