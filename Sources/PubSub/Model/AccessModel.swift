/// XEP-0060 §4.5 access models Herald enforces. `presence` and `roster` need the owner's roster,
/// which an external component cannot see without XEP-0356, so they are not offered.
package enum AccessModel: String, Sendable, Hashable, Codable, CaseIterable {
    case open
    case authorize
    case whitelist
}
