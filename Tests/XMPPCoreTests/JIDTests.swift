import Testing

@testable import XMPPCore

@Suite struct JIDTests {
    @Test func parsesParts() throws {
        let jid = try JID("Alice@Example.COM./phone/with/slash")
        #expect(jid.localpart == "alice")
        #expect(jid.domainpart == "example.com")
        #expect(jid.resourcepart == "phone/with/slash")
        #expect(jid.description == "alice@example.com/phone/with/slash")
        #expect(jid.bare.description == "alice@example.com")
        #expect(try JID("pubsub.localhost").localpart == nil)
    }

    @Test func comparesNormalized() throws {
        #expect(try JID("ALICE@Localhost") == JID("alice@localhost"))
        #expect(try JID("alice@localhost/Res") != JID("alice@localhost/res"))
        #expect(try JID("Ärger@Example.com") == JID("ärger@example.com"))
    }

    @Test(arguments: [
        "", "@localhost", "alice@", "alice@localhost/", "a lice@localhost", "al:ice@localhost", "a<b@localhost",
        "alice@local host", "alice@a..b", String(repeating: "x", count: 1024) + "@localhost",
        "alice@" + String(repeating: "d", count: 64) + ".com", "alice@localhost/\u{7}", "a@b@c.d",
    ])
    func rejectsInvalid(_ string: String) {
        #expect(throws: JIDError.self) { try JID(string) }
    }

    @Test func acceptsLongestParts() throws {
        let local = String(repeating: "x", count: 1023)
        #expect(try JID("\(local)@localhost").localpart?.utf8.count == 1023)
        #expect(try JID("[::1]").domainpart == "[::1]")
    }
}
