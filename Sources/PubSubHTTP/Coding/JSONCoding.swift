import FoundationEssentials
import HTTPTypes
import Hummingbird

/// The API's one JSON encoder and decoder, so every body has the same shape.
enum JSONCoding {
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static let decoder = JSONDecoder()
}
