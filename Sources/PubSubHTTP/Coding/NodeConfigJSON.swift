import XMPPCore

/// A node's configuration as JSON: an object mirroring the `pubsub#node_config` form, keyed by
/// field name without `pubsub#` (`{"title": "Alerts", "max_items": 10, "access_model": "open"}`).
enum NodeConfigJSON {
    static let formType = Namespace.pubsub + "#node_config"
    private static let prefix = "pubsub#"
    /// The text fields that hold numbers, rendered as JSON numbers.
    private static let integerFields: Set = ["max_items", "item_expire", "max_payload_size", "children_max"]

    /// The configuration form of an owner's configure result, as JSON.
    static func object(_ form: DataForm) -> [String: JSONValue] {
        var object: [String: JSONValue] = [:]
        for field in form.fields where field.name.hasPrefix(Self.prefix) && field.type != "fixed" {
            let name = String(field.name.dropFirst(Self.prefix.count))
            let value = field.values.first ?? ""
            switch field.type {
            case "boolean":
                object[name] = .bool(value == "1" || value == "true")
            case let type? where type.hasSuffix("-multi"):
                object[name] = .array(field.values.map(JSONValue.string))
            default:
                if value.isEmpty {
                    object[name] = .null
                } else if Self.integerFields.contains(name), let number = Int64(value) {
                    object[name] = .integer(number)
                } else {
                    object[name] = .string(value)
                }
            }
        }
        return object
    }

    /// The submit form for a JSON configuration; throws a 422 problem for a value that is not a
    /// string, number, boolean, null or array of strings.
    static func form(_ object: [String: JSONValue]) throws -> DataForm {
        var fields: [DataForm.Field] = []
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            let values: [String]
            switch value {
            case .null: values = [""]
            case .bool(let flag): values = [flag ? "1" : "0"]
            case .integer(let number): values = ["\(number)"]
            case .string(let text): values = [text]
            case .array(let items):
                values = try items.map { item in
                    guard case .string(let text) = item else {
                        throw Problem.unprocessable("'\(name)' must be an array of strings")
                    }
                    return text
                }
            case .number, .object:
                throw Problem.unprocessable("'\(name)' must be a string, an integer, a boolean, null or an array")
            }
            fields.append(DataForm.Field(Self.prefix + name, values: values))
        }
        return DataForm(type: "submit", formType: Self.formType, fields: fields)
    }
}
