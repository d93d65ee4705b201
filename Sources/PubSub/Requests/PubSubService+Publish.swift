import Logging
import XMPPCore

/// XEP-0060 §7.1: publish an item; the result carries the ItemID and is built after the commit.
extension PubSubService {
    func publish(_ iq: IQ, pubsub: XMLElement, publish: XMLElement) async throws -> PubSubOutcome {
        let prepared = try await self.preparePublish(iq, pubsub: pubsub, publish: publish)
        var sequence: Int64?
        if let publication = prepared.publication {
            sequence = try await self.store.publish(publication.item, node: publication.node)
        }
        return self.completePublish(prepared, sequence: sequence)
    }

    /// Every check of a publish, and the item it stores; nothing is stored yet.
    func preparePublish(_ iq: IQ, pubsub: XMLElement, publish: XMLElement) async throws -> PreparedPublish {
        guard let nodeID = publish[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        let preconditions = try Self.preconditions(pubsub)
        let node = try await self.publishTarget(nodeID, preconditions: preconditions, publisher: iq.from)
        try await self.checkPublisher(node, requester: iq.from)
        let item = try self.item(of: publish, configuration: node.configuration, publisher: iq.from)
        let subscriptions =
            node.configuration.deliverNotifications ? try await self.store.subscriptions(node: nodeID) : []
        let prepared = PreparedPublish(iq: iq, node: node, item: item, subscriptions: subscriptions)
        if prepared.publication != nil {
            try await self.expireItems(of: node)
        }
        return prepared
    }

    /// The reply and notifications of a publish once its item is stored (`sequence` is its place
    /// in the node's order, nil when the node keeps no items). Reads nothing: it cannot fail.
    func completePublish(_ prepared: PreparedPublish, sequence: Int64?) -> PubSubOutcome {
        let (iq, node, item) = (prepared.iq, prepared.node, prepared.item)
        let configuration = node.configuration
        self.logger.debug(
            "item published",
            metadata: ["pubsub.node": "\(node.id)", "pubsub.item": "\(item?.id ?? "")"]
        )
        let result = XMLElement(
            "publish",
            namespace: Namespace.pubsub,
            attributes: ["node": node.id],
            children: item.map { [XMLElement("item", namespace: Namespace.pubsub, attributes: ["id": $0.id])] } ?? []
        )
        let reply = iq.result(Self.pubsubPayload(result))
        guard configuration.deliverNotifications else { return PubSubOutcome(reply: reply, sequence: sequence) }
        let itemElement = item.map {
            EventNotification.itemElement(
                $0,
                namespace: Namespace.pubsubEvent,
                payload: configuration.deliverPayloads,
                publisher: configuration.itemReply == .publisher
            )
        }
        let notifications = self.notifications(
            node: node,
            subscriptions: prepared.subscriptions,
            event: EventNotification.items(node: node.id, itemElement),
            payload: item?.payload
        )
        return PubSubOutcome(reply: reply, notifications: notifications, sequence: sequence)
    }

    /// The node to publish to: it must meet the preconditions (§7.1.5), and a missing one is created
    /// with them, owned by the publisher (§7.1.4).
    private func publishTarget(_ nodeID: String, preconditions: DataForm?, publisher: JID) async throws -> Node {
        if let node = try await self.store.node(nodeID) {
            if let preconditions {
                var required = node.configuration
                do {
                    try required.apply(preconditions)
                } catch {
                    throw PubSubErrors.preconditionNotMet("a publish option cannot be met by this node")
                }
                guard required == node.configuration else {
                    throw PubSubErrors.preconditionNotMet("the node's configuration differs from the publish options")
                }
            }
            return node
        }
        try self.validateID(nodeID, what: "NodeID")
        try await self.checkCreator(publisher)
        var configuration = NodeConfiguration()
        if let preconditions {
            try configuration.apply(preconditions)
            try self.check(configuration, previous: nil, owners: [publisher.bare])
        }
        let node = Node(id: nodeID, configuration: configuration, creator: publisher.bare, createdAt: self.now())
        do {
            try await self.store.createNode(node)
            self.logger.debug("node auto-created", metadata: ["pubsub.node": "\(nodeID)", "xmpp.from": "\(publisher)"])
            return node
        } catch PubSubStoreError.nodeExists {
            // Created concurrently: publish to it if it meets the preconditions.
            return try await self.publishTarget(nodeID, preconditions: preconditions, publisher: publisher)
        }
    }

    /// The `pubsub#publish-options` form, if the request has one.
    private static func preconditions(_ pubsub: XMLElement) throws -> DataForm? {
        guard let options = pubsub.child("publish-options", namespace: Namespace.pubsub),
            let form = options.elements.lazy.compactMap(DataForm.init).first
        else { return nil }
        guard form.formType == Namespace.pubsub + "#publish-options" else {
            throw PubSubErrors.badRequest(
                "the publish options form must have FORM_TYPE \(Namespace.pubsub)#publish-options"
            )
        }
        return form
    }

    /// §4.1 table 4 and `pubsub#publish_model`.
    private func checkPublisher(_ node: Node, requester: JID) async throws {
        let affiliation = try await self.affiliation(requester, node: node.id)
        if affiliation.canPublish { return }
        let allowed: Bool
        switch (affiliation, node.configuration.publishModel) {
        case (.outcast, _), (_, .publishers): allowed = false
        case (_, .open): allowed = true
        case (_, .subscribers):
            allowed = try await self.liveSubscriptions(of: requester).contains {
                $0.node == node.id && $0.state == .subscribed
            }
        }
        guard allowed else { throw PubSubErrors.forbidden }
    }

    /// The item to publish, checked against the node's event type (§7.1.3.5, §7.1.3.6); nil for a
    /// transient notification-only node, where a publish carries no item.
    private func item(of publish: XMLElement, configuration: NodeConfiguration, publisher: JID) throws -> Item? {
        let items = publish.elements.filter { $0.name == "item" && $0.namespace == Namespace.pubsub }
        // Batches were removed from XEP-0060 in version 1.13: one item at most.
        guard items.count <= 1, publish.elements.count == items.count else { throw PubSubErrors.invalidPayload }
        guard let element = items.first else {
            if configuration.requiresItem { throw PubSubErrors.itemRequired }
            if configuration.deliverPayloads { throw PubSubErrors.payloadRequired }
            return nil
        }
        if configuration.forbidsItem { throw PubSubErrors.itemForbidden }
        let payloads = element.elements
        guard payloads.count <= 1 else { throw PubSubErrors.invalidPayload }
        let itemID = element[attribute: "id"] ?? self.makeID()
        try self.validateID(itemID, what: "ItemID")
        guard let payload = payloads.first else {
            if configuration.deliverPayloads { throw PubSubErrors.payloadRequired }
            return Item(id: itemID, payload: nil, publisher: publisher.bare, publishedAt: self.now())
        }
        if let payloadType = configuration.payloadType, payload.namespace != payloadType {
            throw PubSubErrors.invalidPayload
        }
        // The one serialization of this payload: measured here, then stored and sent as is.
        let serialized = XMLSerializer.serialize(payload)
        let limit = min(configuration.maxPayloadSize ?? .max, self.limits.maxPayloadBytes)
        guard serialized.utf8.count <= limit else { throw PubSubErrors.payloadTooBig }
        return Item(id: itemID, payload: serialized, publisher: publisher.bare, publishedAt: self.now())
    }
}
