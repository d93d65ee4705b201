import FoundationEssentials

/// The `jsonb` columns: `Codable` values as JSON text with sorted keys, so that equal values are
/// equal text and equal `jsonb` (Docs/decisions/0009-configuration-and-options-as-json.md).
enum JSONColumn {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String, column: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw StoredValueError(column: column, value: text)
        }
    }
}
