import FoundationEssentials
import XMPPCore

/// The `pubsub#node_config` fields of a node (XEP-0060 §16.4.3), read from create-and-configure and
/// publish-options forms, and written into node meta-data (§5.4).
extension NodeConfiguration {
    static let formType = Namespace.pubsub + "#node_config"

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
        switch field.name {
        case "pubsub#title":
            self.title = value.isEmpty ? nil : value
        case "pubsub#description":
            self.description = value.isEmpty ? nil : value
        case "pubsub#type":
            self.payloadType = value.isEmpty ? nil : value
        case "pubsub#max_items":
            if value == "max" {
                self.maxItems = Self.maximumMaxItems
            } else if let count = Int(value), (1...Self.maximumMaxItems).contains(count) {
                self.maxItems = count
            } else {
                throw StanzaError(
                    .modify,
                    .notAcceptable,
                    text: "pubsub#max_items must be 'max' or 1...\(Self.maximumMaxItems)"
                )
            }
        case "pubsub#access_model":
            guard let model = AccessModel(rawValue: value) else {
                // XEP-0060 §8.1.3.4 (presence and roster need the owner's roster: see AccessModel).
                throw StanzaError(
                    .modify,
                    .notAcceptable,
                    applicationCondition: PubSubErrors.pubsubCondition("unsupported-access-model")
                )
            }
            self.accessModel = model
        case "pubsub#publish_model":
            self.publishModel = try FormValue.choice(field, invalid: invalid)
        case "pubsub#deliver_payloads":
            self.deliverPayloads = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#deliver_notifications":
            self.deliverNotifications = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#persist_items":
            self.persistItems = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#send_last_published_item":
            self.sendLastPublishedItem = try FormValue.choice(field, invalid: invalid)
        case "pubsub#presence_based_delivery":
            self.presenceBasedDelivery = try FormValue.boolean(field, invalid: invalid)
        case "pubsub#notification_type":
            self.notificationType = try FormValue.choice(field, invalid: invalid)
        case "pubsub#itemreply":
            self.itemReply = try FormValue.choice(field, invalid: invalid)
        case "pubsub#node_type":
            guard value == "leaf" else { throw PubSubErrors.unsupported("collections") }
        default:
            throw StanzaError(.modify, .notAcceptable, text: "unsupported configuration field \(field.name)")
        }
    }

    /// The configuration as typed form fields, in the order of XEP-0060's examples.
    var formFields: [DataForm.Field] {
        var fields: [DataForm.Field] = []
        func add(_ name: String, _ type: String, _ label: String, _ values: [String], options: [String] = []) {
            fields.append(DataForm.Field(name, type: type, label: label, values: values, options: options))
        }
        func list<T: CaseIterable & RawRepresentable<String>>(_ name: String, _ label: String, _ value: T) {
            add(name, "list-single", label, [value.rawValue], options: T.allCases.map(\.rawValue))
        }
        add("pubsub#title", "text-single", "A friendly name for the node", self.title.map { [$0] } ?? [])
        add("pubsub#description", "text-single", "A description of the node", self.description.map { [$0] } ?? [])
        add("pubsub#type", "text-single", "Payload semantic type information", self.payloadType.map { [$0] } ?? [])
        add("pubsub#node_type", "list-single", "Whether the node is a leaf or a collection", ["leaf"])
        list("pubsub#access_model", "Access model", self.accessModel)
        list("pubsub#publish_model", "Publish model", self.publishModel)
        add(
            "pubsub#max_items",
            "text-single",
            "Max # of items to persist. `max` for no specific limit other than a server imposed maximum.",
            ["\(self.maxItems)"]
        )
        add("pubsub#persist_items", "boolean", "Persist items to storage", [FormValue.boolean(self.persistItems)])
        add(
            "pubsub#deliver_payloads",
            "boolean",
            "Deliver payloads with event notifications",
            [FormValue.boolean(self.deliverPayloads)]
        )
        add(
            "pubsub#deliver_notifications",
            "boolean",
            "Deliver event notifications",
            [FormValue.boolean(self.deliverNotifications)]
        )
        list("pubsub#send_last_published_item", "When to send the last published item", self.sendLastPublishedItem)
        add(
            "pubsub#presence_based_delivery",
            "boolean",
            "Deliver notifications only to available users",
            [FormValue.boolean(self.presenceBasedDelivery)]
        )
        list("pubsub#notification_type", "Specify the delivery style for event notifications", self.notificationType)
        list("pubsub#itemreply", "Whether owners or publisher should receive replies to items", self.itemReply)
        return fields
    }
}
