import FoundationEssentials
import XMPPCore

/// The `pubsub#node_config` fields of a node (XEP-0060 §16.4.3), read from create-and-configure,
/// configure and publish-options forms, and written into configuration forms and node meta-data.
extension NodeConfiguration {
    static let formType = Namespace.pubsub + "#node_config"

    /// Longest `pubsub#item_expire` accepted: ten years, in seconds.
    static let maximumItemExpire = 10 * 366 * 24 * 3600

    /// Applies every field of a submitted form except FORM_TYPE. A field Herald cannot honour is
    /// refused with `not-acceptable`, never ignored.
    mutating func apply(_ form: DataForm) throws {
        for field in form.fields where field.name != "FORM_TYPE" {
            try self.apply(field)
        }
    }

    private mutating func apply(_ field: DataForm.Field) throws {
        let invalid = StanzaError(.modify, .notAcceptable, text: "invalid value for \(field.name)")
        let value = FormValue.single(field)
        let text = value.isEmpty ? nil : value
        switch field.name {
        case "pubsub#title": self.title = text
        case "pubsub#description": self.description = text
        case "pubsub#type": self.payloadType = text
        case "pubsub#language": self.language = text
        case "pubsub#max_items":
            guard !value.isEmpty else { throw invalid }
            self.maxItems = try Self.bound(value, max: Self.maximumMaxItems, field: field.name) ?? Self.maximumMaxItems
        case "pubsub#item_expire":
            self.itemExpire = try Self.bound(value, max: Self.maximumItemExpire, field: field.name)
        case "pubsub#max_payload_size":
            // The service's own limit is the upper bound; PubSubService checks it.
            self.maxPayloadSize = try Self.bound(value, max: .max, field: field.name)
        case "pubsub#access_model":
            guard let model = AccessModel(rawValue: value) else {
                // XEP-0060 §8.1.3.4.
                throw StanzaError(
                    .modify,
                    .notAcceptable,
                    applicationCondition: PubSubErrors.pubsubCondition("unsupported-access-model"),
                    text: "access models offered: \(AccessModel.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            self.accessModel = model
        case "pubsub#publish_model": self.publishModel = try FormValue.choice(field, invalid: invalid)
        case "pubsub#deliver_payloads": self.deliverPayloads = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#deliver_notifications": self.deliverNotifications = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#persist_items": self.persistItems = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#send_last_published_item":
            self.sendLastPublishedItem = try FormValue.choice(field, invalid: invalid)
        case "pubsub#presence_based_delivery":
            self.presenceBasedDelivery = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#notification_type": self.notificationType = try FormValue.choice(field, invalid: invalid)
        case "pubsub#itemreply": self.itemReply = try FormValue.choice(field, invalid: invalid)
        case "pubsub#notify_config": self.notifyConfig = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#notify_delete": self.notifyDelete = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#notify_retract": self.notifyRetract = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#notify_sub": self.notifySub = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#subscribe": self.allowSubscriptions = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#tempsub": self.temporarySubscriptions = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#contact":
            let contacts = field.values.filter { !$0.isEmpty }
            for value in contacts where (try? JID(value)) == nil {
                throw StanzaError(.modify, .notAcceptable, text: "pubsub#contact: '\(value)' is not a JID")
            }
            self.contacts = contacts
        case "pubsub#roster_groups_allowed": self.rosterGroupsAllowed = field.values.filter { !$0.isEmpty }
        case "pubsub#node_type":
            guard value == "leaf" else { throw PubSubErrors.unsupported("collections") }
        case "pubsub#collection", "pubsub#children", "pubsub#children_association_policy",
            "pubsub#children_association_whitelist", "pubsub#children_max":
            // XEP-0248 collections are not implemented; an empty value asks for nothing.
            guard field.values.allSatisfy(\.isEmpty) else { throw PubSubErrors.unsupported("collections") }
        case "pubsub#purge_offline":
            guard try !FormValue.boolean(field, invalid: invalid) else {
                throw StanzaError(
                    .modify,
                    .notAcceptable,
                    text: "pubsub#purge_offline is not supported: a publisher's availability is not tracked"
                )
            }
        case "pubsub#publish_node_full":
            guard value.isEmpty || value == "discard-oldest" else {
                throw StanzaError(.modify, .notAcceptable, text: "pubsub#publish_node_full: only discard-oldest")
            }
        case "pubsub#body_xslt", "pubsub#dataform_xslt":
            guard value.isEmpty else {
                throw StanzaError(.modify, .notAcceptable, text: "\(field.name) is not supported: no XSLT is applied")
            }
        default:
            throw StanzaError(.modify, .notAcceptable, text: "unsupported configuration field \(field.name)")
        }
    }

    /// A positive integer up to `max`, or nil for `max` or an empty value (no limit of the node's own).
    private static func bound(_ value: String, max: Int, field: String) throws -> Int? {
        if value == "max" || value.isEmpty { return nil }
        guard let number = Int(value), (1...max).contains(number) else {
            throw StanzaError(.modify, .notAcceptable, text: "\(field) must be 'max' or 1...\(max)")
        }
        return number
    }

    /// The configuration as typed form fields, in the order of XEP-0060's examples.
    /// `maxPayloadBytes` is the service's limit, shown when the node has none of its own;
    /// `accessModels` are the options offered for `pubsub#access_model`.
    func formFields(maxPayloadBytes: Int, accessModels: [AccessModel]) -> [DataForm.Field] {
        var fields: [DataForm.Field] = []
        func add(_ name: String, _ type: String, _ label: String, _ values: [String], options: [String] = []) {
            fields.append(DataForm.Field(name, type: type, label: label, values: values, options: options))
        }
        func flag(_ name: String, _ label: String, _ value: Bool) {
            add(name, "boolean", label, [FormValue.boolean(value)])
        }
        func list<T: CaseIterable & RawRepresentable<String>>(_ name: String, _ label: String, _ value: T) {
            add(name, "list-single", label, [value.rawValue], options: T.allCases.map(\.rawValue))
        }
        func optional(_ value: String?) -> [String] { value.map { [$0] } ?? [] }
        add("pubsub#title", "text-single", "A friendly name for the node", optional(self.title))
        add("pubsub#description", "text-single", "A description of the node", optional(self.description))
        add("pubsub#type", "text-single", "Payload semantic type information", optional(self.payloadType))
        add("pubsub#language", "text-single", "The default language of the node", optional(self.language))
        add("pubsub#contact", "jid-multi", "People to contact with questions about the node", self.contacts)
        add("pubsub#node_type", "list-single", "Whether the node is a leaf or a collection", ["leaf"])
        flag("pubsub#deliver_notifications", "Whether to deliver event notifications", self.deliverNotifications)
        flag("pubsub#deliver_payloads", "Whether to deliver payloads with event notifications", self.deliverPayloads)
        flag("pubsub#notify_config", "Notify subscribers when the node configuration changes", self.notifyConfig)
        flag("pubsub#notify_delete", "Notify subscribers when the node is deleted", self.notifyDelete)
        flag("pubsub#notify_retract", "Notify subscribers when items are removed from the node", self.notifyRetract)
        flag("pubsub#notify_sub", "Notify owners about new subscribers and unsubscribes", self.notifySub)
        flag("pubsub#persist_items", "Persist items to storage", self.persistItems)
        add(
            "pubsub#max_items",
            "text-single",
            "Max # of items to persist. `max` for no specific limit other than a server imposed maximum.",
            ["\(self.maxItems)"]
        )
        add(
            "pubsub#item_expire",
            "text-single",
            "Time after which to automatically purge items. `max` for no specific limit other than a server imposed maximum.",
            [self.itemExpire.map { "\($0)" } ?? "max"]
        )
        flag("pubsub#subscribe", "Whether to allow subscriptions", self.allowSubscriptions)
        flag(
            "pubsub#tempsub",
            "Whether to make all subscriptions temporary, based on subscriber presence",
            self.temporarySubscriptions
        )
        add(
            "pubsub#access_model",
            "list-single",
            "Specify the subscriber model",
            [self.accessModel.rawValue],
            options: accessModels.map(\.rawValue)
        )
        add(
            "pubsub#roster_groups_allowed",
            "list-multi",
            "Roster groups allowed to subscribe",
            self.rosterGroupsAllowed
        )
        list("pubsub#publish_model", "Specify the publisher model", self.publishModel)
        flag("pubsub#purge_offline", "Purge all items when the relevant publisher goes offline?", false)
        add(
            "pubsub#max_payload_size",
            "text-single",
            "Max Payload size in bytes",
            ["\(self.maxPayloadSize ?? maxPayloadBytes)"]
        )
        list("pubsub#send_last_published_item", "When to send the last published item", self.sendLastPublishedItem)
        flag(
            "pubsub#presence_based_delivery",
            "Deliver event notifications only to available users",
            self.presenceBasedDelivery
        )
        list("pubsub#notification_type", "Specify the delivery style for event notifications", self.notificationType)
        list("pubsub#itemreply", "Whether owners or publisher should receive replies to items", self.itemReply)
        add(
            "pubsub#publish_node_full",
            "list-single",
            "Action to be performed by the service when publishing on a full node.",
            ["discard-oldest"],
            options: ["discard-oldest"]
        )
        return fields
    }
}
