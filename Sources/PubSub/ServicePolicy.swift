package import XMPPCore

/// Service-wide rules above the affiliations of single nodes: who administers the service, who may
/// create nodes, and whether entities hear of their affiliation changes.
package struct ServicePolicy: Sendable, Hashable {
    /// Bare JIDs that may do everything an owner may, on every node.
    package var administrators: Set<JID>
    package var nodeCreation: NodeCreationPolicy
    /// XEP-0060 §8.1.2: nodes may be created without a NodeID, the service choosing one.
    package var instantNodes: Bool
    /// XEP-0060 §8.9.4: tell an entity when an owner changes its affiliation.
    package var notifyAffiliationChanges: Bool

    package init(
        administrators: Set<JID> = [],
        nodeCreation: NodeCreationPolicy = .anyone,
        instantNodes: Bool = true,
        notifyAffiliationChanges: Bool = true
    ) {
        self.administrators = Set(administrators.map(\.bare))
        self.nodeCreation = nodeCreation
        self.instantNodes = instantNodes
        self.notifyAffiliationChanges = notifyAffiliationChanges
    }

    func isAdministrator(_ jid: JID) -> Bool {
        self.administrators.contains(jid.bare)
    }

    /// XEP-0060 §8.1.1: whether `jid` may create nodes (administrators always may).
    func mayCreateNodes(_ jid: JID) -> Bool {
        if self.isAdministrator(jid) { return true }
        switch self.nodeCreation {
        case .anyone: return true
        case .localUsers(let domains): return jid.localpart != nil && domains.contains(jid.domainpart)
        case .listed(let creators): return creators.contains(jid.bare)
        case .administrators: return false
        }
    }
}

/// Who may create nodes.
package enum NodeCreationPolicy: Sendable, Hashable {
    case anyone
    /// Accounts (JIDs with a localpart) of these domains.
    case localUsers(domains: Set<String>)
    /// These bare JIDs.
    case listed(Set<JID>)
    /// Service administrators only.
    case administrators
}
