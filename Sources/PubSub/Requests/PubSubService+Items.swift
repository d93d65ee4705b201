import Logging
import XMPPCore

/// XEP-0060 §6.5: retrieve all, the newest N, or specific items of a node.
extension PubSubService {
    func retrieveItems(_ iq: IQ, items request: XMLElement) async throws -> XMLElement {
        guard let nodeID = request[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        var limit: Int?
        if let maxItems = request[attribute: "max_items"] {
            guard let count = Int(maxItems), count > 0 else {
                throw PubSubErrors.badRequest("max_items must be a positive integer")
            }
            limit = count
        }
        guard let node = try await self.store.node(nodeID) else { throw PubSubErrors.nodeNotFound }
        switch node.configuration.accessModel {
        case .open:
            break
        }
        let ids = request.elements.filter { $0.name == "item" && $0.namespace == Namespace.pubsub }
            .compactMap { $0[attribute: "id"] }
        var list = XMLElement("items", namespace: Namespace.pubsub, attributes: ["node": nodeID])
        var resultSet: XMLElement?
        if ids.isEmpty {
            let page = try await self.store.items(node: nodeID, limit: limit, byteBudget: self.limits.maxReplyBytes)
            for item in page.items {
                list.append(EventNotification.itemElement(item, namespace: Namespace.pubsub))
            }
            // XEP-0060 §6.5.4: a reply that leaves out older items says so in XEP-0059 notation.
            let wanted = min(page.total, limit ?? page.total)
            if let first = page.items.first, let last = page.items.last, page.items.count < wanted {
                resultSet = Self.resultSet(
                    first: first.id,
                    index: page.total - page.items.count,
                    last: last.id,
                    count: page.total
                )
            }
        } else {
            for item in try await self.store.items(node: nodeID, ids: ids) {
                list.append(EventNotification.itemElement(item, namespace: Namespace.pubsub))
            }
        }
        var pubsub = Self.pubsubPayload(list)
        if let resultSet {
            pubsub.append(resultSet)
        }
        return iq.result(pubsub)
    }

    /// `<set xmlns='http://jabber.org/protocol/rsm'>` naming the first item (with its index), the last, and the count.
    private static func resultSet(first: String, index: Int, last: String, count: Int) -> XMLElement {
        XMLElement(
            "set",
            namespace: Namespace.rsm,
            children: [
                .element(
                    XMLElement(
                        "first",
                        namespace: Namespace.rsm,
                        attributes: [XMLAttribute("index", value: "\(index)")],
                        children: [.text(first)]
                    )
                ),
                .element(XMLElement("last", namespace: Namespace.rsm, children: [.text(last)])),
                .element(XMLElement("count", namespace: Namespace.rsm, children: [.text("\(count)")])),
            ]
        )
    }
}
