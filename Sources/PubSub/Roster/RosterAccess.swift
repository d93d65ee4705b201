import NIOConcurrencyHelpers
package import XMPPCore

/// XEP-0356: reading node owners' rosters through their XMPP server, which the `presence` and
/// `roster` access models need and an external component cannot do on its own. A server that
/// grants Herald roster `get` (or `both`) says so in a `<privilege/>` message after the handshake;
/// only then are its accounts' rosters read, with an IQ the component sends to the owner's bare JID.
package final class RosterAccess: Sendable {
    /// Sends an IQ and returns its result or error IQ.
    package typealias Request = @Sendable (XMLElement) async throws -> XMLElement

    private let request: Request?
    /// Server domains whose accounts' rosters Herald may read.
    private let granted = NIOLockedValueBox<Set<String>>([])

    /// Without `request` no roster is ever read (the two access models stay refused).
    package init(request: Request? = nil) {
        self.request = request
    }

    /// XEP-0356 §4.2: the privileges `server` grants, replacing what it granted before.
    func advertised(_ privilege: XMLElement, by server: JID) -> Bool {
        let roster = privilege.elements.first { $0.name == "perm" && $0[attribute: "access"] == "roster" }
        let readable = roster?[attribute: "type"] == "get" || roster?[attribute: "type"] == "both"
        self.granted.withLockedValue { granted in
            if readable { granted.insert(server.domainpart) } else { granted.remove(server.domainpart) }
        }
        return readable
    }

    /// Whether any server lets Herald read rosters.
    var isGranted: Bool { self.request != nil && !self.granted.withLockedValue(\.isEmpty) }

    func canRead(rosterOf owner: JID) -> Bool {
        self.request != nil && self.granted.withLockedValue { $0.contains(owner.domainpart) }
    }

    /// The roster of `owner`'s account (RFC 6121 §2.1.3), read on behalf of `service`.
    func roster(of owner: JID, service: JID, id: String) async throws -> [RosterItem] {
        guard let request, self.canRead(rosterOf: owner) else { throw RosterUnavailable(owner: owner) }
        let query = XMLElement("query", namespace: Namespace.roster)
        let answer = try await request(IQ(kind: .get, id: id, from: service, to: owner.bare, payload: query).element)
        guard answer[attribute: "type"] == "result" else { throw RosterUnavailable(owner: owner) }
        let items = answer.child("query", namespace: Namespace.roster)?.elements ?? []
        return items.compactMap { item in
            guard item.name == "item", let jid = item[attribute: "jid"].flatMap({ try? JID($0) }) else { return nil }
            return RosterItem(
                jid: jid,
                subscription: item[attribute: "subscription"] ?? "none",
                groups: item.elements.filter { $0.name == "group" }.map(\.text)
            )
        }
    }
}

/// The roster could not be read: no privilege for its server, or the server refused or did not answer.
struct RosterUnavailable: Error, CustomStringConvertible {
    var owner: JID
    var description: String { "the roster of \(self.owner) cannot be read" }
}
