import Logging
import XMPPCore

/// XEP-0060 §8.1: create a node, named or instant, optionally with a configuration form.
extension PubSubService {
    func create(_ iq: IQ, pubsub: XMLElement, create: XMLElement) async throws -> XMLElement {
        let requested = create[attribute: "node"]
        if let requested {
            try self.validateID(requested, what: "NodeID")
        } else if !self.policy.instantNodes {
            // §8.1.2.3: not-acceptable here, unlike the bad-request of other requests without a node.
            throw StanzaError(
                .modify,
                .notAcceptable,
                applicationCondition: PubSubErrors.pubsubCondition("nodeid-required")
            )
        }
        try await self.checkCreator(iq.from)
        var configuration = NodeConfiguration()
        let children = pubsub.elements
        if let configureIndex = children.firstIndex(where: {
            $0.name == "configure" && $0.namespace == Namespace.pubsub
        }) {
            // XEP-0060 §8.1.3: <configure/> follows <create/> and carries no node attribute.
            let configure = children[configureIndex]
            guard let createIndex = children.firstIndex(of: create), createIndex < configureIndex,
                configure[attribute: "node"] == nil
            else {
                throw PubSubErrors.badRequest("<configure/> must follow <create/> and have no node attribute")
            }
            if let form = configure.elements.lazy.compactMap(DataForm.init).first {
                configuration = try self.configuration(
                    applying: form,
                    to: configuration,
                    previous: nil,
                    owners: [iq.from.bare]
                )
            }
        }
        // XEP-0060 §8.1.2: an instant node gets a unique NodeID from the service.
        let nodeID = requested ?? self.makeID()
        do {
            try await self.store.createNode(
                Node(id: nodeID, configuration: configuration, creator: iq.from.bare, createdAt: self.now())
            )
        } catch PubSubStoreError.nodeExists {
            throw PubSubErrors.conflict
        }
        self.logger.debug("node created", metadata: ["pubsub.node": "\(nodeID)", "xmpp.from": "\(iq.from)"])
        guard requested == nil else { return iq.result() }
        let reply = Self.pubsubPayload(
            XMLElement("create", namespace: Namespace.pubsub, attributes: ["node": nodeID])
        )
        return iq.result(reply)
    }

    /// §8.1.3.2: the node-creation policy (`forbidden`), and the cap on nodes per owner
    /// (`resource-constraint`), from which administrators are exempt. The count is read before the
    /// node is written, so concurrent creations by one JID can pass the cap by their number.
    func checkCreator(_ jid: JID) async throws {
        guard self.policy.mayCreateNodes(jid) else { throw PubSubErrors.forbidden }
        guard !self.policy.isAdministrator(jid) else { return }
        let owned = try await self.store.affiliations(jid: jid).values.count { $0 == .owner }
        guard owned < self.limits.maxNodesPerOwner else {
            throw StanzaError(
                .wait,
                .resourceConstraint,
                text: "a JID may own at most \(self.limits.maxNodesPerOwner) nodes"
            )
        }
    }

    func validateID(_ id: String, what: String) throws {
        guard !id.isEmpty, id.utf8.count <= self.limits.maxIDLength else {
            throw StanzaError(.modify, .notAcceptable, text: "\(what) must be 1 to \(self.limits.maxIDLength) bytes")
        }
    }
}
