/// The availability values of `pubsub#show-values` (XEP-0060 §6.3): RFC 6121 `<show/>`, with
/// `online` for available presence that has none.
package enum PresenceShow: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case chat
    case online
    case away
    case xa
    case dnd

    package static func < (lhs: Self, rhs: Self) -> Bool {
        Self.allCases.firstIndex(of: lhs)! < Self.allCases.firstIndex(of: rhs)!
    }
}
