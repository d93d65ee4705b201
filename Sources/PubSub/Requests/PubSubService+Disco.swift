import FoundationEssentials
import Logging
import XMPPCore

/// XEP-0030 discovery of the service, its nodes and their items (XEP-0060 §5).
extension PubSubService {
    /// Features Herald really implements; a feature is listed only once its use case works.
    var features: [String] {
        var features = Self.alwaysOffered
        if self.policy.instantNodes { features.append(Namespace.pubsub + "#instant-nodes") }
        // XEP-0356: only once a server lets Herald read its accounts' rosters.
        if self.rosterAccess.isGranted {
            features += [Namespace.pubsub + "#access-presence", Namespace.pubsub + "#access-roster"]
        }
        return features
    }

    private static let alwaysOffered: [String] = [
        Namespace.discoInfo,
        Namespace.discoItems,
        Namespace.ping,
        Namespace.commands,
        Namespace.pubsub,
        Namespace.pubsub + "#access-authorize",
        Namespace.pubsub + "#access-open",
        Namespace.pubsub + "#access-whitelist",
        Namespace.pubsub + "#auto-create",
        Namespace.pubsub + "#create-and-configure",
        Namespace.pubsub + "#config-node",
        Namespace.pubsub + "#create-nodes",
        Namespace.pubsub + "#delete-nodes",
        Namespace.pubsub + "#delete-items",
        Namespace.pubsub + "#get-pending",
        Namespace.pubsub + "#item-ids",
        Namespace.pubsub + "#last-published",
        Namespace.pubsub + "#leased-subscription",
        Namespace.pubsub + "#manage-subscriptions",
        Namespace.pubsub + "#member-affiliation",
        Namespace.pubsub + "#meta-data",
        Namespace.pubsub + "#modify-affiliations",
        Namespace.pubsub + "#multi-items",
        Namespace.pubsub + "#multi-subscribe",
        Namespace.pubsub + "#outcast-affiliation",
        Namespace.pubsub + "#persistent-items",
        Namespace.pubsub + "#presence-notifications",
        Namespace.pubsub + "#publish",
        Namespace.pubsub + "#publish-only-affiliation",
        Namespace.pubsub + "#publish-options",
        Namespace.pubsub + "#publisher-affiliation",
        Namespace.pubsub + "#purge-nodes",
        Namespace.pubsub + "#retract-items",
        Namespace.pubsub + "#retrieve-affiliations",
        Namespace.pubsub + "#retrieve-default",
        Namespace.pubsub + "#retrieve-default-sub",
        Namespace.pubsub + "#retrieve-items",
        Namespace.pubsub + "#retrieve-subscriptions",
        Namespace.pubsub + "#rsm",
        Namespace.pubsub + "#subscribe",
        Namespace.pubsub + "#subscription-notifications",
        Namespace.pubsub + "#subscription-options",
    ]

    func discoInfo(_ iq: IQ, query: XMLElement) async throws -> XMLElement {
        var reply = XMLElement("query", namespace: Namespace.discoInfo)
        if let nodeID = query[attribute: "node"] {
            // XEP-0060 §5.3: a node's identity tells whether it is a leaf or a collection.
            let node = try await self.existingNode(nodeID)
            reply[attribute: "node"] = nodeID
            reply.append(
                XMLElement(
                    "identity",
                    namespace: Namespace.discoInfo,
                    attributes: ["category": "pubsub", "type": "leaf"]
                )
            )
            reply.append(XMLElement("feature", namespace: Namespace.discoInfo, attributes: ["var": Namespace.pubsub]))
            reply.append(try await self.metadata(node, requester: iq.from).element)
        } else {
            reply.append(
                XMLElement(
                    "identity",
                    namespace: Namespace.discoInfo,
                    attributes: ["category": "pubsub", "type": "service", "name": "Herald"]
                )
            )
            for feature in self.features {
                reply.append(XMLElement("feature", namespace: Namespace.discoInfo, attributes: ["var": feature]))
            }
        }
        return iq.result(reply)
    }

    /// §5.4: the node's configuration and its automatic facts as a `pubsub#meta-data` form. Who is
    /// affiliated and how many subscribe is shown only where the access model lets the requester in.
    private func metadata(_ node: Node, requester: JID) async throws -> DataForm {
        var fields = [
            DataForm.Field(
                "pubsub#creator",
                type: "jid-single",
                label: "Node creator",
                values: [node.creator.description]
            ),
            DataForm.Field(
                "pubsub#creation_date",
                type: "text-single",
                label: "Creation date",
                values: [node.createdAt.formatted(.iso8601)]
            ),
        ]
        fields += self.configurationFields(node.configuration)
        let affiliations = try await self.store.affiliations(node: node.id)
        let requesterAffiliation =
            self.policy.isAdministrator(requester) ? .owner : affiliations[requester.bare] ?? .none
        let visible =
            switch requesterAffiliation {
            case .owner, .publisher, .member: true
            case .outcast, .publishOnly: false
            case .none: node.configuration.accessModel == .open
            }
        if visible {
            func jids(_ affiliation: Affiliation) -> [String] {
                affiliations.filter { $0.value == affiliation }.map(\.key.description).sorted()
            }
            let now = self.now()
            let subscribers = try await self.store.subscriptions(node: node.id).filter {
                $0.state == .subscribed && $0.options.isCurrent(at: now)
            }
            fields += [
                DataForm.Field("pubsub#owner", type: "jid-multi", label: "Node owners", values: jids(.owner)),
                DataForm.Field(
                    "pubsub#publisher",
                    type: "jid-multi",
                    label: "Publishers to this node",
                    values: jids(.publisher)
                ),
                DataForm.Field(
                    "pubsub#num_subscribers",
                    type: "text-single",
                    label: "Number of subscribers to this node",
                    values: ["\(subscribers.count)"]
                ),
            ]
        }
        return DataForm(type: "result", formType: Namespace.pubsub + "#meta-data", fields: fields)
    }

    func discoItems(_ iq: IQ, query: XMLElement) async throws -> XMLElement {
        var reply = XMLElement("query", namespace: Namespace.discoItems)
        let service = self.domain.description
        if query[attribute: "node"] == Namespace.commands {
            // XEP-0050 §2.2: the commands the service offers.
            reply[attribute: "node"] = Namespace.commands
            reply.append(
                XMLElement(
                    "item",
                    namespace: Namespace.discoItems,
                    attributes: ["jid": service, "node": Self.getPendingCommand, "name": "Get pending subscriptions"]
                )
            )
        } else if let nodeID = query[attribute: "node"] {
            // XEP-0060 §5.5: a leaf node's items are listed by ItemID in the `name` attribute, to
            // those who may read them (§6.5.2).
            let node = try await self.existingNode(nodeID)
            try await self.checkRetrieveAccess(
                node,
                affiliation: try await self.affiliation(iq.from, node: nodeID),
                entity: iq.from,
                subscriptions: try await self.requesterSubscriptions(iq.from, node: nodeID)
            )
            reply[attribute: "node"] = nodeID
            try await self.expireItems(of: node)
            for itemID in try await self.store.itemIDs(node: nodeID) {
                reply.append(
                    XMLElement("item", namespace: Namespace.discoItems, attributes: ["jid": service, "name": itemID])
                )
            }
        } else {
            for node in try await self.store.nodes() {
                reply.append(
                    XMLElement(
                        "item",
                        namespace: Namespace.discoItems,
                        attributes: ["jid": service, "node": node.id, "name": node.configuration.title]
                    )
                )
            }
        }
        return iq.result(reply)
    }
}
