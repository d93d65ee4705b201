import XMPPCore

/// Reading XEP-0004 field values the way XEP-0060 forms use them.
enum FormValue {
    /// XEP-0004 §3.3 booleans: `1`/`true` and `0`/`false`.
    static func boolean(_ field: DataForm.Field, invalid: StanzaError) throws -> Bool {
        switch field.values.first {
        case "1", "true": true
        case "0", "false": false
        default: throw invalid
        }
    }

    static func boolean(_ value: Bool) -> String { value ? "1" : "0" }

    /// The single value of a `*-single` field, which may be empty.
    static func single(_ field: DataForm.Field) -> String { field.values.first ?? "" }

    /// A value from a fixed list.
    static func choice<T: RawRepresentable<String>>(_ field: DataForm.Field, invalid: StanzaError) throws -> T {
        guard let value = T(rawValue: single(field)) else { throw invalid }
        return value
    }
}
