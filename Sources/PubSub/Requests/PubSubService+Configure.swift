import Logging
import XMPPCore

/// XEP-0060 §8.2 and §8.3: a node's configuration form, its submission, and the default configuration.
extension PubSubService {
    func configurationForm(_ iq: IQ, configure: XMLElement) async throws -> XMLElement {
        let node = try await self.ownedNode(configure, requester: iq.from)
        let configureElement = XMLElement(
            "configure",
            namespace: Namespace.pubsubOwner,
            attributes: ["node": node.id],
            children: [self.configurationForm(node.configuration, type: "form").element]
        )
        return iq.result(Self.ownerPayload(configureElement))
    }

    func configure(_ iq: IQ, configure: XMLElement) async throws -> PubSubOutcome {
        let node = try await self.ownedNode(configure, requester: iq.from)
        guard let form = configure.elements.lazy.compactMap(DataForm.init).first else {
            throw PubSubErrors.badRequest("the configure request carries no data form")
        }
        // §8.2.4: an owner who cancels changes nothing.
        if form.type == "cancel" { return PubSubOutcome(reply: iq.result()) }
        guard form.type == "submit" else { throw PubSubErrors.badRequest("the configuration form must be submitted") }
        var updated = node
        let owners = try await self.store.affiliations(node: node.id).filter { $0.value == .owner }.map(\.key)
        updated.configuration = try self.configuration(
            applying: form,
            to: node.configuration,
            previous: node.configuration,
            owners: owners
        )
        try await self.store.configure(node: node.id, updated.configuration)
        self.logger.debug("node configured", metadata: ["pubsub.node": "\(node.id)", "xmpp.from": "\(iq.from)"])
        let configuration = updated.configuration
        var notifications: [XMLElement] = []
        if configuration.accessModel != node.configuration.accessModel {
            notifications += try await self.enforceAccessModel(node: updated)
        }
        guard configuration.notifyConfig, configuration.deliverNotifications else {
            return PubSubOutcome(reply: iq.result(), notifications: notifications)
        }
        // §8.2.5.3: the form rides along only when the node delivers payloads.
        let event = XMLElement(
            "configuration",
            namespace: Namespace.pubsubEvent,
            attributes: ["node": node.id],
            children: configuration.deliverPayloads
                ? [self.configurationForm(configuration, type: "result").element] : []
        )
        notifications += self.notifications(
            node: updated,
            subscriptions: try await self.store.subscriptions(node: node.id),
            event: event
        )
        return PubSubOutcome(reply: iq.result(), notifications: notifications)
    }

    /// §8.3: the configuration a node gets when its creator asks for nothing else.
    func defaultConfiguration(_ iq: IQ, request: XMLElement) throws -> XMLElement {
        switch request[attribute: "type"] {
        case nil, "leaf": break
        case "collection": throw PubSubErrors.unsupported("collections")
        case let other?: throw PubSubErrors.badRequest("unknown node type '\(other)'")
        }
        let element = XMLElement(
            "default",
            namespace: Namespace.pubsubOwner,
            children: [.element(self.configurationForm(NodeConfiguration(), type: "form").element)]
        )
        return iq.result(Self.ownerPayload(element))
    }

    /// A `pubsub#node_config` form of a configuration.
    func configurationForm(_ configuration: NodeConfiguration, type: String) -> DataForm {
        DataForm(
            type: type,
            formType: NodeConfiguration.formType,
            fields: self.configurationFields(configuration)
        )
    }

    /// The fields of a configuration as this service offers them: its payload limit where the
    /// node has none, and the access models it can enforce now.
    func configurationFields(_ configuration: NodeConfiguration) -> [DataForm.Field] {
        configuration.formFields(
            maxPayloadBytes: self.limits.maxPayloadBytes,
            accessModels: AccessModel.allCases.filter { !$0.needsRoster || self.rosterAccess.isGranted }
        )
    }

    /// `base` with a submitted `pubsub#node_config` form applied, checked against the service's limits.
    /// `previous` is nil for a node being created; `owners` are those whose rosters would decide.
    func configuration(
        applying form: DataForm,
        to base: NodeConfiguration,
        previous: NodeConfiguration?,
        owners: [JID]
    ) throws -> NodeConfiguration {
        guard form.formType == NodeConfiguration.formType else {
            throw PubSubErrors.badRequest("the configuration form must have FORM_TYPE \(NodeConfiguration.formType)")
        }
        var configuration = base
        try configuration.apply(form)
        try self.check(configuration, previous: previous, owners: owners)
        return configuration
    }

    /// A node may narrow the service's limits, never widen them, and may switch to the presence or
    /// roster access model only where an owner's server lets Herald read rosters (XEP-0356).
    func check(_ configuration: NodeConfiguration, previous: NodeConfiguration?, owners: [JID]) throws {
        if configuration.accessModel.needsRoster, configuration.accessModel != previous?.accessModel,
            !owners.contains(where: self.rosterAccess.canRead(rosterOf:))
        {
            throw StanzaError(
                .modify,
                .notAcceptable,
                applicationCondition: PubSubErrors.pubsubCondition("unsupported-access-model"),
                text: "the \(configuration.accessModel.rawValue) access model needs roster access (XEP-0356) "
                    + "from an owner's server, which none has granted"
            )
        }
        if let size = configuration.maxPayloadSize, size > self.limits.maxPayloadBytes {
            throw StanzaError(
                .modify,
                .notAcceptable,
                text: "pubsub#max_payload_size must be at most \(self.limits.maxPayloadBytes)"
            )
        }
    }
}
