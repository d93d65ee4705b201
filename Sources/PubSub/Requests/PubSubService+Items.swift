import Logging
import XMPPCore

/// XEP-0060 §6.5: retrieve all, the newest N, a page (XEP-0059), or specific items of a node.
/// Items are listed newest first; index 0 of a result set is the newest item.
extension PubSubService {
    func retrieveItems(_ iq: IQ, pubsub: XMLElement, items request: XMLElement) async throws -> XMLElement {
        guard let nodeID = request[attribute: "node"] else { throw PubSubErrors.nodeIDRequired }
        var query = ItemQuery(byteBudget: self.limits.maxReplyBytes)
        if let maxItems = request[attribute: "max_items"] {
            guard let count = Int(maxItems), count > 0 else {
                throw PubSubErrors.badRequest("max_items must be a positive integer")
            }
            query.limit = count
        }
        let resultSetRequest = pubsub.child("set", namespace: Namespace.rsm)
        if let resultSetRequest {
            try Self.apply(resultSetRequest, to: &query)
        }
        let node = try await self.existingNode(nodeID)
        let affiliation = try await self.affiliation(iq.from, node: nodeID)
        let own = try await self.requesterSubscriptions(iq.from, node: nodeID)
        // §6.5.9.1, §6.5.9.2: a subscriber with several subscriptions names one.
        if own.count > 1 || request[attribute: "subid"] != nil {
            _ = try Self.selectSubscription(
                own,
                subid: request[attribute: "subid"],
                notSubscribed: PubSubErrors.invalidSubID
            )
        }
        try await self.checkRetrieveAccess(node, affiliation: affiliation, entity: iq.from, subscriptions: own)
        // §6.5.9.4: a transient node keeps nothing to return.
        guard node.configuration.persistItems else { throw PubSubErrors.unsupported("persistent-items") }
        try await self.expireItems(of: node)
        let publisher = node.configuration.itemReply == .publisher
        var list = XMLElement("items", namespace: Namespace.pubsub, attributes: ["node": nodeID])
        let ids = request.elements.filter { $0.name == "item" && $0.namespace == Namespace.pubsub }
            .compactMap { $0[attribute: "id"] }
        guard ids.isEmpty else {
            // §6.5.8: particular items; those that do not exist are left out.
            for item in try await self.store.items(node: nodeID, ids: ids) {
                list.append(
                    EventNotification.itemElement(
                        item,
                        namespace: Namespace.pubsub,
                        payload: true,
                        publisher: publisher
                    )
                )
            }
            return iq.result(Self.pubsubPayload(list))
        }
        let page: ItemPage
        do {
            page =
                query.limit == 0
                ? ItemPage(items: [], total: try await self.store.itemIDs(node: nodeID).count, firstIndex: 0)
                : try await self.store.items(node: nodeID, query: query)
        } catch PubSubStoreError.itemNotFound {
            // XEP-0059 §2.6: the page's anchor item does not exist.
            throw StanzaError(.cancel, .itemNotFound, text: "the result set anchor names no item of this node")
        }
        for item in page.items {
            list.append(
                EventNotification.itemElement(item, namespace: Namespace.pubsub, payload: true, publisher: publisher)
            )
        }
        var reply = Self.pubsubPayload(list)
        // §6.5.4: a reply that leaves items out says so in XEP-0059 notation, as does every paged reply.
        let wanted = min(page.total, query.limit ?? page.total)
        if resultSetRequest != nil || page.items.count < wanted {
            reply.append(Self.resultSet(page))
        }
        return iq.result(reply)
    }

    /// Reads `<set xmlns='http://jabber.org/protocol/rsm'>` (XEP-0059 §2): max, after, before, index.
    private static func apply(_ set: XMLElement, to query: inout ItemQuery) throws {
        func number(_ name: String) throws -> Int? {
            guard let element = set.child(name, namespace: Namespace.rsm) else { return nil }
            guard let value = Int(element.text), value >= 0 else {
                throw PubSubErrors.badRequest("<\(name)/> must be a non-negative integer")
            }
            return value
        }
        if let max = try number("max") {
            query.limit = min(max, query.limit ?? max)
        }
        if let after = set.child("after", namespace: Namespace.rsm) {
            query.start = .after(after.text)
        } else if let before = set.child("before", namespace: Namespace.rsm) {
            query.start = before.text.isEmpty ? .oldest : .before(before.text)
        } else if let index = try number("index") {
            query.start = .index(index)
        }
    }

    /// `<set>` with the first item (and its index), the last, and the node's item count.
    private static func resultSet(_ page: ItemPage) -> XMLElement {
        var set = XMLElement("set", namespace: Namespace.rsm)
        if let first = page.items.first, let last = page.items.last {
            set.append(
                XMLElement(
                    "first",
                    namespace: Namespace.rsm,
                    attributes: [XMLAttribute("index", value: "\(page.firstIndex)")],
                    children: [.text(first.id)]
                )
            )
            set.append(XMLElement("last", namespace: Namespace.rsm, children: [.text(last.id)]))
        }
        set.append(XMLElement("count", namespace: Namespace.rsm, children: [.text("\(page.total)")]))
        return set
    }
}
