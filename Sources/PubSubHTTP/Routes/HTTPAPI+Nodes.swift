import FoundationEssentials
import HTTPTypes
import Hummingbird
import XMPPCore

/// Nodes: create, read and change the configuration, delete, purge (XEP-0060 §8).
extension HTTPAPI {
    /// The body of `POST /v1/nodes` and `PATCH /v1/nodes/{node}`.
    struct NodeRequest: Decodable {
        /// The NodeID to create; without it the service chooses one (an instant node, §8.1.2).
        var node: String?
        /// `pubsub#node_config` fields, without the `pubsub#` prefix.
        var config: [String: JSONValue]?

        init() {}

        /// Unknown keys are refused: a misspelt `"node"` must not quietly make an instant node.
        init(from decoder: any Decoder) throws {
            let object = try [String: JSONValue](from: decoder)
            if let unknown = object.keys.sorted().first(where: { $0 != "node" && $0 != "config" }) {
                throw Problem.unprocessable("unknown key '\(unknown)'; a node body has 'node' and 'config'")
            }
            switch object["node"] {
            case nil, .null?: self.node = nil
            case .string(let node)?: self.node = node
            default: throw Problem.unprocessable("'node' must be a string")
            }
            switch object["config"] {
            case nil, .null?: self.config = nil
            case .object(let config)?: self.config = config
            default: throw Problem.unprocessable("'config' must be an object")
            }
        }
    }

    struct NodeBody: Encodable {
        var node: String
        var config: [String: JSONValue]?
    }

    func createNode(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let body = try await self.body(request)
        return try await self.idempotent(request, context, body: body) { key in
            let nodeRequest = try self.nodeRequest(body, contentType: request.headers[.contentType])
            var nodeID = nodeRequest.node
            // An instant node made with a key gets its NodeID from the key, so that a retry that
            // must run again finds it (409) instead of making a second node.
            if nodeID == nil, self.instantNodes, let key { nodeID = Self.derivedID(for: key) }
            let create = XMLElement("create", namespace: Namespace.pubsub, attributes: ["node": nodeID])
            var siblings: [XMLElement] = []
            if let config = nodeRequest.config {
                siblings.append(
                    XMLElement(
                        "configure",
                        namespace: Namespace.pubsub,
                        children: [.element(try NodeConfigJSON.form(config).element)]
                    )
                )
            }
            let reply = try await self.call(context, .set, Self.pubsub(Namespace.pubsub, create, siblings)).reply
            // The result names the node only when the service chose its NodeID.
            let node = reply.child("create")?[attribute: "node"] ?? nodeID ?? ""
            return try .json(NodeBody(node: node), status: .created, location: Self.location(node: node))
        }
    }

    func nodeConfiguration(_ context: APIRequestContext) async throws -> StoredResponse {
        let node = try Self.parameter("node", context)
        let configure = XMLElement("configure", namespace: Namespace.pubsubOwner, attributes: ["node": node])
        let reply = try await self.call(context, .get, Self.pubsub(Namespace.pubsubOwner, configure)).reply
        let form = reply.child("configure")?.elements.lazy.compactMap(DataForm.init).first
        return try .json(NodeBody(node: node, config: form.map(NodeConfigJSON.object) ?? [:]))
    }

    func configureNode(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let node = try Self.parameter("node", context)
        let body = try await self.body(request)
        return try await self.idempotent(request, context, body: body) { _ in
            let nodeRequest = try self.nodeRequest(body, contentType: request.headers[.contentType])
            guard nodeRequest.node == nil || nodeRequest.node == node else {
                throw Problem.badRequest("a node is renamed by no request; leave 'node' out")
            }
            guard let config = nodeRequest.config else {
                throw Problem.unprocessable("the body has no 'config' object")
            }
            let configure = XMLElement(
                "configure",
                namespace: Namespace.pubsubOwner,
                attributes: ["node": node],
                children: [try NodeConfigJSON.form(config).element]
            )
            _ = try await self.call(context, .set, Self.pubsub(Namespace.pubsubOwner, configure))
            return try await self.nodeConfiguration(context)
        }
    }

    func deleteNode(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await self.ownerAction("delete", request, context)
    }

    func purgeNode(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        try await self.ownerAction("purge", request, context)
    }

    private func ownerAction(
        _ name: String,
        _ request: Request,
        _ context: APIRequestContext
    ) async throws
        -> Response
    {
        let node = try Self.parameter("node", context)
        return try await self.idempotent(request, context, body: []) { _ in
            let action = XMLElement(name, namespace: Namespace.pubsubOwner, attributes: ["node": node])
            _ = try await self.call(context, .set, Self.pubsub(Namespace.pubsubOwner, action))
            return .noContent
        }
    }

    /// An empty body is an empty request (an instant node with the default configuration).
    private func nodeRequest(_ body: [UInt8], contentType: String?) throws -> NodeRequest {
        guard !body.isEmpty else { return NodeRequest() }
        guard contentType?.lowercased().hasPrefix("application/json") == true else {
            throw Problem(.unsupportedMediaType, "unsupported-media-type", "send the node as application/json")
        }
        do {
            return try JSONCoding.decoder.decode(NodeRequest.self, from: Data(body))
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(.badRequest, "malformed-json", "the body is not a JSON object")
        }
    }
}
