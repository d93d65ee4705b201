import FoundationEssentials
import HTTPTypes
import Hummingbird
import PubSub
import XMPPCore

/// Items: publish, read, retract (XEP-0060 §7.1, §6.5, §7.2).
extension HTTPAPI {
    struct Published: Encodable {
        var node: String
        var id: String
        /// The item's place in the node's publish order; absent when the node does not store items.
        var sequence: Int64?
    }

    struct ItemBody: Encodable {
        var id: String
        var publisher: String?
        /// An XML payload, serialized.
        var xml: String?
        /// A JSON payload (one published as JSON, in its XEP-0335 container).
        var json: JSONValue?
    }

    struct ItemsPage: Encodable {
        var items: [ItemBody]
        /// The cursor of the next, older page (`?after=`); absent on the last page.
        var next: String?
        var total: Int?
    }

    static let defaultPageSize = 50
    static let largestPageSize = 1000

    func publish(
        _ request: Request,
        _ context: APIRequestContext,
        itemID pathItemID: String?
    ) async throws
        -> Response
    {
        let node = try Self.parameter("node", context)
        let body = try await self.body(request)
        return try await self.idempotent(request, context, body: body) { key in
            var payload = try ItemPayload.element(
                body: body,
                contentType: request.headers[.contentType],
                limits: self.limits.parser
            )
            var itemID = pathItemID
            // An XML body may be the XEP-0060 <item/> itself, to name its ItemID.
            if payload.name == "item" && payload.namespace == Namespace.pubsub {
                guard payload.elements.count == 1, let inner = payload.elements.first else {
                    throw Problem.badRequest("an <item/> body holds exactly one payload element")
                }
                if let bodyID = payload[attribute: "id"] {
                    guard itemID == nil || itemID == bodyID else {
                        throw Problem.badRequest("the ItemID in the body differs from the one in the path")
                    }
                    itemID = bodyID
                }
                payload = inner
            }
            if itemID == nil, let key { itemID = Self.derivedID(for: key) }
            let item = XMLElement(
                "item",
                namespace: Namespace.pubsub,
                attributes: ["id": itemID],
                children: [payload]
            )
            let publish = XMLElement(
                "publish",
                namespace: Namespace.pubsub,
                attributes: ["node": node],
                children: [item]
            )
            let (reply, outcome) = try await self.call(context, .set, Self.pubsub(Namespace.pubsub, publish))
            let id =
                reply.child("publish")?.child("item", namespace: Namespace.pubsub)?[attribute: "id"] ?? itemID ?? ""
            return try .json(
                Published(node: node, id: id, sequence: outcome.sequence),
                status: .created,
                location: Self.location(node: node, item: id)
            )
        }
    }

    func items(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let node = try Self.parameter("node", context)
        let query = request.uri.queryParameters
        var limit = Self.defaultPageSize
        if let text = query["limit"] {
            guard let value = Int(String(text)), (1...Self.largestPageSize).contains(value) else {
                throw Problem.badRequest("limit is an integer from 1 to \(Self.largestPageSize)")
            }
            limit = value
        }
        var set = XMLElement("set", namespace: Namespace.rsm, children: [.element(Self.text("max", "\(limit)"))])
        if let after = query["after"] {
            set.children.append(.element(Self.text("after", String(after))))
        }
        let items = XMLElement("items", namespace: Namespace.pubsub, attributes: ["node": node])
        let reply = try await self.call(context, .get, Self.pubsub(Namespace.pubsub, items, [set])).reply
        let bodies = Self.itemBodies(reply)
        let resultSet = reply.payload?.child("set", namespace: Namespace.rsm)
        let total = resultSet?.child("count", namespace: Namespace.rsm).flatMap { Int($0.text) }
        let first = resultSet?.child("first", namespace: Namespace.rsm)?[attribute: "index"].flatMap { Int($0) } ?? 0
        let more = total.map { first + bodies.count < $0 } ?? false
        let page = ItemsPage(
            items: bodies,
            next: more ? resultSet?.child("last", namespace: Namespace.rsm)?.text : nil,
            total: total
        )
        return try StoredResponse.json(page).response
    }

    func item(_ context: APIRequestContext) async throws -> Response {
        let node = try Self.parameter("node", context)
        let itemID = try Self.parameter("item", context)
        let items = XMLElement(
            "items",
            namespace: Namespace.pubsub,
            attributes: ["node": node],
            children: [XMLElement("item", namespace: Namespace.pubsub, attributes: ["id": itemID])]
        )
        let reply = try await self.call(context, .get, Self.pubsub(Namespace.pubsub, items)).reply
        guard let body = Self.itemBodies(reply).first(where: { $0.id == itemID }) else {
            throw Problem(.notFound, "item-not-found", "node '\(node)' has no item '\(itemID)'")
        }
        return try StoredResponse.json(body).response
    }

    func retract(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let node = try Self.parameter("node", context)
        let itemID = try Self.parameter("item", context)
        return try await self.idempotent(request, context, body: []) { _ in
            let retract = XMLElement(
                "retract",
                namespace: Namespace.pubsub,
                attributes: ["node": node],
                children: [XMLElement("item", namespace: Namespace.pubsub, attributes: ["id": itemID])]
            )
            _ = try await self.call(context, .set, Self.pubsub(Namespace.pubsub, retract))
            return .noContent
        }
    }

    private static func itemBodies(_ reply: PubSubReply) -> [ItemBody] {
        let items = reply.child("items")?.elements.filter { $0.name == "item" } ?? []
        return items.map { item in
            var body = ItemBody(id: item[attribute: "id"] ?? "", publisher: item[attribute: "publisher"])
            // Stored payloads come as the text they were stored as; others as elements.
            let xml: String? = item.children.lazy.compactMap { child -> String? in
                switch child {
                case .element(let element): XMLSerializer.serialize(element)
                case .serialized(let text): text
                case .text: nil
                }
            }.first
            guard let xml else { return body }
            if let element = try? XMLStreamParser.parseDocument(xml),
                element.name == "json", element.namespace == ItemPayload.jsonNamespace,
                let value = try? JSONCoding.decoder.decode(JSONValue.self, from: Data(element.text.utf8))
            {
                body.json = value
            } else {
                body.xml = xml
            }
            return body
        }
    }

    private static func text(_ name: String, _ text: String) -> XMLElement {
        XMLElement(name, namespace: Namespace.rsm, children: [.text(text)])
    }
}
