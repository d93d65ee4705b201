/// XEP-0060 §4.5 access models. `presence` and `roster` need the owners' rosters, which Herald
/// reads through XEP-0356 where the owner's server grants it (see `RosterAccess`).
package enum AccessModel: String, Sendable, Hashable, Codable, CaseIterable {
    case open
    case authorize
    case whitelist
    case presence
    case roster

    /// Whether deciding access needs an owner's roster.
    var needsRoster: Bool { self == .presence || self == .roster }
}
