import Crypto
package import FoundationEssentials
import XMPPCore

/// Bearer tokens: 32 random bytes, shown once, kept only as their SHA-256.
///
/// A plain hash is enough (no salt, no slow KDF): the secret is random and long, so there is
/// nothing to guess from a leaked hash (Docs/decisions/0013).
package enum APIToken {
    package static let prefix = "hrld_"

    /// A new token's secret, as given to the backend.
    package static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Self.prefix
            + Data(bytes).base64EncodedString()
            .replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }

    /// What is stored and compared: the SHA-256 of the token as sent.
    package static func hash(_ token: some StringProtocol) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// The lowercase hex form of a hash, as configured in `http.tokens`.
    package static func hex(_ hash: Data) -> String {
        Hex.encode(hash)
    }

    /// Parses a hash written as 64 hex digits; nil if it is not one.
    package static func hash(hex: String) -> Data? {
        guard hex.utf8.count == 64, let bytes = Hex.decode(hex) else { return nil }
        return Data(bytes)
    }
}
