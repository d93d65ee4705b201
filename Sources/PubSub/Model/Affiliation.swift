/// XEP-0060 §4.1 affiliations of an entity with a node.
package enum Affiliation: String, Sendable, Hashable {
    case owner
    case publisher
    case publishOnly = "publish-only"
    case member
    case none
    case outcast

    /// XEP-0060 §4.1 table 3: who may publish items.
    package var canPublish: Bool {
        switch self {
        case .owner, .publisher, .publishOnly: true
        case .member, .none, .outcast: false
        }
    }
}
