package import FoundationEssentials

/// The options of one subscription (XEP-0060 §6.3, `pubsub#subscribe_options`) that Herald honours.
/// `pubsub#digest` is always off: digests are refused when asked for.
package struct SubscriptionOptions: Sendable, Hashable, Codable {
    /// `pubsub#deliver`: false keeps the subscription but sends nothing.
    package var deliver: Bool = true
    /// `pubsub#include_body`: notifications also carry a `<body/>` summarizing the payload (§12.8).
    package var includeBody: Bool = false
    /// `pubsub#show-values`: the availabilities that receive notifications on presence-based nodes.
    package var showValues: Set<PresenceShow> = Set(PresenceShow.allCases)
    /// `pubsub#expire`: when the subscription ends by itself, if ever.
    package var expire: SubscriptionExpiry?

    package init(
        deliver: Bool = true,
        includeBody: Bool = false,
        showValues: Set<PresenceShow> = Set(PresenceShow.allCases),
        expire: SubscriptionExpiry? = nil
    ) {
        self.deliver = deliver
        self.includeBody = includeBody
        self.showValues = showValues
        self.expire = expire
    }

    private enum CodingKeys: String, CodingKey {
        case deliver, includeBody, showValues, expire
    }

    /// Reads stored JSON; a key missing from an older row takes its default.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.deliver = try container.decodeIfPresent(Bool.self, forKey: .deliver) ?? true
        self.includeBody = try container.decodeIfPresent(Bool.self, forKey: .includeBody) ?? false
        self.showValues =
            try container.decodeIfPresent(Set<PresenceShow>.self, forKey: .showValues) ?? Set(PresenceShow.allCases)
        self.expire = try container.decodeIfPresent(SubscriptionExpiry.self, forKey: .expire)
    }

    /// Writes `showValues` sorted, so equal options always encode to equal JSON (stores compare them).
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.deliver, forKey: .deliver)
        try container.encode(self.includeBody, forKey: .includeBody)
        try container.encode(self.showValues.sorted(), forKey: .showValues)
        try container.encodeIfPresent(self.expire, forKey: .expire)
    }

    /// False once a lease has run out (§12.19).
    package func isCurrent(at now: Date) -> Bool {
        guard case .at(let end) = self.expire else { return true }
        return end > now
    }
}

/// `pubsub#expire`: a lease ending at a time (§12.19), or a temporary subscription ending with the
/// subscriber's presence session (§12.5).
package enum SubscriptionExpiry: Sendable, Hashable, Codable {
    case at(Date)
    case presence
}

extension SubscriptionOptions {
    /// What the node imposes whatever the subscriber asks: `pubsub#tempsub` makes every
    /// subscription temporary (§12.5).
    mutating func conform(to configuration: NodeConfiguration) {
        if configuration.temporarySubscriptions {
            self.expire = .presence
        }
    }
}
