import Logging
import XMPPCore

/// XEP-0060 §8.1: create a node, named or instant, optionally with a configuration form.
extension PubSubService {
    func create(_ iq: IQ, pubsub: XMLElement, create: XMLElement) async throws -> XMLElement {
        let requested = create[attribute: "node"]
        if let requested {
            try self.validateID(requested, what: "NodeID")
        }
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
                configuration = try Self.configuration(from: form)
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

    /// Reads a `pubsub#node_config` form (XEP-0060 §8.1.3) over the defaults.
    static func configuration(from form: DataForm) throws -> NodeConfiguration {
        guard form.formType == NodeConfiguration.formType else {
            throw PubSubErrors.badRequest("the configuration form must have FORM_TYPE \(NodeConfiguration.formType)")
        }
        var configuration = NodeConfiguration()
        try configuration.apply(form)
        return configuration
    }

    func validateID(_ id: String, what: String) throws {
        guard !id.isEmpty, id.utf8.count <= self.limits.maxIDLength else {
            throw StanzaError(.modify, .notAcceptable, text: "\(what) must be 1 to \(self.limits.maxIDLength) bytes")
        }
    }
}
