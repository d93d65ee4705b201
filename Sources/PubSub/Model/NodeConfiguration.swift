/// The configuration of a leaf node (XEP-0060 §16.4.3, `pubsub#node_config`), limited to what Herald implements.
///
/// Stored as JSON, so a field added later needs a default when decoding older rows.
package struct NodeConfiguration: Sendable, Hashable, Codable {
    /// `pubsub#title`.
    package var title: String?
    /// `pubsub#description`.
    package var description: String?
    /// `pubsub#type`: the namespace every payload's root element must have (§7.1.3.5), if set.
    package var payloadType: String?
    /// `pubsub#max_items`: items kept; the oldest beyond it are removed on publish.
    package var maxItems: Int
    package var accessModel: AccessModel
    package var publishModel: PublishModel
    /// `pubsub#deliver_payloads`: notifications carry the payload, or only the ItemID.
    package var deliverPayloads: Bool
    /// `pubsub#deliver_notifications`: publishes notify subscribers at all.
    package var deliverNotifications: Bool
    /// `pubsub#persist_items`: items are stored, or only delivered (a transient node).
    package var persistItems: Bool
    package var sendLastPublishedItem: SendLastPublishedItem
    /// `pubsub#presence_based_delivery`: only subscribers that are available are notified (§12.6).
    package var presenceBasedDelivery: Bool
    package var notificationType: NotificationType
    /// `pubsub#itemreply`: `publisher` stamps each item with the publisher's JID (§7.1.2.3).
    package var itemReply: ItemReply
    /// `pubsub#notify_config`: subscribers hear of configuration changes (§8.2.5.3).
    package var notifyConfig: Bool
    /// `pubsub#notify_delete`: subscribers hear that the node was deleted (§8.4.2).
    package var notifyDelete: Bool
    /// `pubsub#notify_retract`: a retract without a `notify` attribute notifies, and a purge sends
    /// one `<purge/>` notification (§7.2.2, §8.5.2).
    package var notifyRetract: Bool
    /// `pubsub#notify_sub`: owners hear of new, approved and ended subscriptions.
    package var notifySub: Bool
    /// `pubsub#subscribe`: whether new subscriptions are accepted at all.
    package var allowSubscriptions: Bool
    /// `pubsub#tempsub`: every new subscription lasts only while the subscriber is available (§12.5).
    package var temporarySubscriptions: Bool
    /// `pubsub#item_expire`: seconds an item is kept after its publication; nil keeps it until trimmed.
    package var itemExpire: Int?
    /// `pubsub#max_payload_size`: a node's own payload limit, at most the service's; nil is the service's.
    package var maxPayloadSize: Int?
    /// `pubsub#language`.
    package var language: String?
    /// `pubsub#contact`: JIDs to ask about the node.
    package var contacts: [String]
    /// `pubsub#roster_groups_allowed`: the owner's roster groups whose members may subscribe (roster model).
    package var rosterGroupsAllowed: [String]

    package init(
        title: String? = nil,
        description: String? = nil,
        payloadType: String? = nil,
        maxItems: Int = NodeConfiguration.defaultMaxItems,
        accessModel: AccessModel = .open,
        publishModel: PublishModel = .publishers,
        deliverPayloads: Bool = true,
        deliverNotifications: Bool = true,
        persistItems: Bool = true,
        // §4.3: with the last-published feature advertised, the default must be on_sub_and_presence.
        sendLastPublishedItem: SendLastPublishedItem = .onSubscriptionAndPresence,
        presenceBasedDelivery: Bool = false,
        notificationType: NotificationType = .headline,
        itemReply: ItemReply = .owner,
        notifyConfig: Bool = false,
        notifyDelete: Bool = true,
        notifyRetract: Bool = true,
        notifySub: Bool = false,
        allowSubscriptions: Bool = true,
        temporarySubscriptions: Bool = false,
        itemExpire: Int? = nil,
        maxPayloadSize: Int? = nil,
        language: String? = nil,
        contacts: [String] = [],
        rosterGroupsAllowed: [String] = []
    ) {
        self.title = title
        self.description = description
        self.payloadType = payloadType
        self.maxItems = maxItems
        self.accessModel = accessModel
        self.publishModel = publishModel
        self.deliverPayloads = deliverPayloads
        self.deliverNotifications = deliverNotifications
        self.persistItems = persistItems
        self.sendLastPublishedItem = sendLastPublishedItem
        self.presenceBasedDelivery = presenceBasedDelivery
        self.notificationType = notificationType
        self.itemReply = itemReply
        self.notifyConfig = notifyConfig
        self.notifyDelete = notifyDelete
        self.notifyRetract = notifyRetract
        self.notifySub = notifySub
        self.allowSubscriptions = allowSubscriptions
        self.temporarySubscriptions = temporarySubscriptions
        self.itemExpire = itemExpire
        self.maxPayloadSize = maxPayloadSize
        self.language = language
        self.contacts = contacts
        self.rosterGroupsAllowed = rosterGroupsAllowed
    }

    /// Reads stored JSON; a key missing from an older row takes its default.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = NodeConfiguration()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try container.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        self.title = try container.decodeIfPresent(String.self, forKey: .title)
        self.description = try container.decodeIfPresent(String.self, forKey: .description)
        self.payloadType = try container.decodeIfPresent(String.self, forKey: .payloadType)
        self.maxItems = try value(.maxItems, defaults.maxItems)
        self.accessModel = try value(.accessModel, defaults.accessModel)
        self.publishModel = try value(.publishModel, defaults.publishModel)
        self.deliverPayloads = try value(.deliverPayloads, defaults.deliverPayloads)
        self.deliverNotifications = try value(.deliverNotifications, defaults.deliverNotifications)
        self.persistItems = try value(.persistItems, defaults.persistItems)
        self.sendLastPublishedItem = try value(.sendLastPublishedItem, defaults.sendLastPublishedItem)
        self.presenceBasedDelivery = try value(.presenceBasedDelivery, defaults.presenceBasedDelivery)
        self.notificationType = try value(.notificationType, defaults.notificationType)
        self.itemReply = try value(.itemReply, defaults.itemReply)
        self.notifyConfig = try value(.notifyConfig, defaults.notifyConfig)
        self.notifyDelete = try value(.notifyDelete, defaults.notifyDelete)
        self.notifyRetract = try value(.notifyRetract, defaults.notifyRetract)
        self.notifySub = try value(.notifySub, defaults.notifySub)
        self.allowSubscriptions = try value(.allowSubscriptions, defaults.allowSubscriptions)
        self.temporarySubscriptions = try value(.temporarySubscriptions, defaults.temporarySubscriptions)
        self.itemExpire = try container.decodeIfPresent(Int.self, forKey: .itemExpire)
        self.maxPayloadSize = try container.decodeIfPresent(Int.self, forKey: .maxPayloadSize)
        self.language = try container.decodeIfPresent(String.self, forKey: .language)
        self.contacts = try value(.contacts, defaults.contacts)
        self.rosterGroupsAllowed = try value(.rosterGroupsAllowed, defaults.rosterGroupsAllowed)
    }

    package static let defaultMaxItems = 100
    /// What `max` means for `pubsub#max_items`: a bound still exists, so storage stays finite.
    package static let maximumMaxItems = 10_000

    /// §7.1.3.6: a publish to a persistent node must carry an item.
    package var requiresItem: Bool { self.persistItems }
    /// §7.1.3.6: a transient node that delivers no payload takes no item at all.
    package var forbidsItem: Bool { !self.persistItems && !self.deliverPayloads }
}
