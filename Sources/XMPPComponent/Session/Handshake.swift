import Crypto
import XMPPCore

/// The XEP-0114 §3 handshake value: lowercase hex SHA-1 of the stream ID followed by the secret.
package enum Handshake {
    package static func digest(streamID: String, secret: String) -> String {
        // SHA-1 is what XEP-0114 mandates; it authenticates, it does not protect a password at rest.
        let hash = Insecure.SHA1.hash(data: Array((streamID + secret).utf8))
        return Hex.encode(hash)
    }
}
