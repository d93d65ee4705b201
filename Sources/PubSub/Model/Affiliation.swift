/// XEP-0060 §4.1 affiliations of an entity with a node.
package enum Affiliation: String, Sendable, Hashable {
    case owner
    case publisher
    case publishOnly = "publish-only"
    case member
    case none
    case outcast

    /// XEP-0060 §4.1 table 3: who may subscribe and retrieve items at all.
    package var maySubscribe: Bool {
        switch self {
        case .owner, .publisher, .member, .none: true
        case .publishOnly, .outcast: false
        }
    }

    /// XEP-0060 §4.1, the affiliation state chart (which §8.9.2.4 makes mandatory): an owner only
    /// resigns, and a publisher does not become a member. Publish-only is not in the chart.
    package func mayBecome(_ next: Affiliation) -> Bool {
        switch (self, next) {
        case (.owner, .none), (.owner, .owner): true
        case (.owner, _): false
        case (.publisher, .member): false
        default: true
        }
    }

    /// XEP-0060 §4.1 table 3: who may publish items.
    package var canPublish: Bool {
        switch self {
        case .owner, .publisher, .publishOnly: true
        case .member, .none, .outcast: false
        }
    }
}
