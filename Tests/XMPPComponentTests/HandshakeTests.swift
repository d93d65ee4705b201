import Testing

@testable import XMPPComponent

@Suite struct HandshakeTests {
    @Test func matchesTheXEP0114Example() {
        // XEP-0114 §3: stream ID 3BF96D32 and secret "test" give this digest.
        #expect(Handshake.digest(streamID: "3BF96D32", secret: "test") == "aaee83c26aeeafcbabeabfcbcd50df997e0a2a1e")
    }

    @Test func isLowercaseHexWithLeadingZeros() {
        let digest = Handshake.digest(streamID: "", secret: "")
        #expect(digest == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(digest.count == 40)
    }
}
