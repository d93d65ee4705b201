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
            try await self.store.createNode(Node(id: nodeID, configuration: configuration), owner: iq.from.bare)
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

    /// Reads a `pubsub#node_config` form (XEP-0060 §8.1.3); fields Herald cannot honour are refused, never ignored.
    static func configuration(from form: DataForm) throws -> NodeConfiguration {
        var configuration = NodeConfiguration()
        for field in form.fields {
            let value = field.values.first ?? ""
            switch field.name {
            case "FORM_TYPE":
                guard value == Namespace.pubsub + "#node_config" else {
                    throw PubSubErrors.badRequest(
                        "the configuration form must have FORM_TYPE \(Namespace.pubsub)#node_config"
                    )
                }
            case "pubsub#title":
                configuration.title = value.isEmpty ? nil : value
            case "pubsub#max_items":
                if value == "max" {
                    configuration.maxItems = NodeConfiguration.maximumMaxItems
                } else if let count = Int(value), (1...NodeConfiguration.maximumMaxItems).contains(count) {
                    configuration.maxItems = count
                } else {
                    throw StanzaError(
                        .modify,
                        .notAcceptable,
                        text: "pubsub#max_items must be 'max' or 1...\(NodeConfiguration.maximumMaxItems)"
                    )
                }
            case "pubsub#access_model":
                guard let model = AccessModel(rawValue: value) else {
                    throw StanzaError(
                        .modify,
                        .notAcceptable,
                        applicationCondition: PubSubErrors.pubsubCondition("unsupported-access-model")
                    )
                }
                configuration.accessModel = model
            case "pubsub#persist_items", "pubsub#deliver_payloads", "pubsub#deliver_notifications":
                // Herald's nodes always persist and deliver payloads; asking for that is fine, asking otherwise is not.
                guard value == "1" || value == "true" else {
                    throw StanzaError(.modify, .notAcceptable, text: "\(field.name) can only be true")
                }
            case "pubsub#node_type":
                guard value == "leaf" else { throw PubSubErrors.unsupported("collections") }
            default:
                throw StanzaError(.modify, .notAcceptable, text: "unsupported configuration field \(field.name)")
            }
        }
        return configuration
    }

    func validateID(_ id: String, what: String) throws {
        guard !id.isEmpty, id.utf8.count <= self.limits.maxIDLength else {
            throw StanzaError(.modify, .notAcceptable, text: "\(what) must be 1 to \(self.limits.maxIDLength) bytes")
        }
    }
}
