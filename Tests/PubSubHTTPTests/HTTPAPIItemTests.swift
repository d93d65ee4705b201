import Foundation
import Hummingbird
import HummingbirdTesting
import PubSub
import Testing
import XMPPCore

@testable import PubSubHTTP

/// Publishing, reading and retracting items over HTTP (issue 6).
@Suite struct HTTPAPIItemTests {
    static let subscribeBob =
        "<iq type='set' id='s1' from='bob@localhost/phone' to='pubsub.localhost'>"
        + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><subscribe node='news' jid='bob@localhost/phone'/></pubsub></iq>"

    static func createNews(_ harness: APITestHarness) async throws {
        try await harness.xmpp(
            "<iq type='set' id='c1' from='alice@localhost/a' to='pubsub.localhost'>"
                + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><create node='news'/></pubsub></iq>"
        )
        try await harness.xmpp(Self.subscribeBob)
        _ = harness.takeNotifications()
    }

    /// The notifications as their recipient sees them, without the message id, which differs per publish.
    static func delivered(_ notifications: [XMLElement]) throws -> [String] {
        notifications.map { message in
            var message = message
            message.attributes.removeAll { $0.name == "id" }
            return XMLSerializer.serialize(message, inheritedNamespace: Namespace.component)
        }
    }

    @Test func aJSONPublishIsCommittedAndNotifiesExactlyAsAnXMPPPublish() async throws {
        let harness = APITestHarness()
        try await Self.createNews(harness)
        let json = #"{"temp": 21.5, "unit": "C", "tags": ["a<b"]}"#
        try await harness.application.test(.router) { client in
            try await client.execute(
                uri: "/v1/nodes/news/items/reading-1",
                method: .put,
                headers: APITestHarness.headers(contentType: "application/json"),
                body: ByteBuffer(string: json)
            ) { response in
                #expect(response.status == .created)
                #expect(response.headers[.location] == "/v1/nodes/news/items/reading-1")
                let body = try APITestHarness.json(response)
                #expect(body["id"] as? String == "reading-1")
                #expect(body["node"] as? String == "news")
                #expect(body["sequence"] as? Int == 1)
            }
        }
        let overHTTP = try Self.delivered(harness.takeNotifications())
        #expect(overHTTP.count == 1)
        // The JSON travels in its XEP-0335 container, byte for byte.
        #expect(overHTTP.first?.contains("<json xmlns=\"urn:xmpp:json:0\">") == true)
        #expect(overHTTP.first?.contains(#"{"temp": 21.5, "unit": "C", "tags": ["a&lt;b"]}"#) == true)
        // The same item published over XMPP notifies with the very same stanza.
        try await harness.xmpp(
            "<iq type='set' id='p1' from='alice@localhost/a' to='pubsub.localhost'>"
                + "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='news'><item id='reading-1'>"
                + "<json xmlns='urn:xmpp:json:0'>{&quot;temp&quot;: 21.5, &quot;unit&quot;: &quot;C&quot;, "
                + "&quot;tags&quot;: [&quot;a&lt;b&quot;]}</json></item></publish></pubsub></iq>"
        )
        #expect(try Self.delivered(harness.takeNotifications()) == overHTTP)
    }

    @Test func anXMLPublishGetsAnIDAndReadsBack() async throws {
        let harness = APITestHarness()
        try await Self.createNews(harness)
        try await harness.application.test(.router) { client in
            var itemID = ""
            try await client.execute(
                uri: "/v1/nodes/news/items",
                method: .post,
                headers: APITestHarness.headers(contentType: "application/xml; charset=utf-8"),
                body: ByteBuffer(string: "<entry xmlns='urn:example'><title>Hi &amp; bye</title></entry>")
            ) { response in
                #expect(response.status == .created)
                itemID = try #require(APITestHarness.json(response)["id"] as? String)
            }
            #expect(!itemID.isEmpty)
            try await client.execute(
                uri: "/v1/nodes/news/items/\(itemID)",
                method: .get,
                headers: APITestHarness.headers()
            ) { response in
                #expect(response.status == .ok)
                let body = try APITestHarness.json(response)
                #expect(body["xml"] as? String == #"<entry xmlns="urn:example"><title>Hi &amp; bye</title></entry>"#)
                #expect(body["json"] == nil)
            }
            // The XEP-0060 <item/> itself may be the body, to name the ItemID.
            try await client.execute(
                uri: "/v1/nodes/news/items",
                method: .post,
                headers: APITestHarness.headers(contentType: "application/xml"),
                body: ByteBuffer(
                    string: "<item xmlns='http://jabber.org/protocol/pubsub' id='named'><x xmlns='urn:example'/></item>"
                )
            ) { response in
                #expect(response.status == .created)
                let body = try APITestHarness.json(response)
                #expect(body["id"] as? String == "named")
            }
        }
        let stored = try await harness.store.itemIDs(node: "news")
        #expect(stored.count == 2)
        #expect(stored.first == "named")
    }

    @Test func itemsArePagedNewestFirstWithACursor() async throws {
        let harness = APITestHarness()
        try await Self.createNews(harness)
        try await harness.application.test(.router) { client in
            for index in 1...5 {
                try await client.execute(
                    uri: "/v1/nodes/news/items/i\(index)",
                    method: .put,
                    headers: APITestHarness.headers(contentType: "application/json"),
                    body: ByteBuffer(string: "{\"n\": \(index)}")
                ) { response in
                    #expect(response.status == .created)
                    let body = try APITestHarness.json(response)
                    #expect(body["sequence"] as? Int == index)
                }
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let query = "limit=2" + (cursor.map { "&after=\($0)" } ?? "")
                try await client.execute(
                    uri: "/v1/nodes/news/items?\(query)",
                    method: .get,
                    headers: APITestHarness.headers()
                ) { response in
                    #expect(response.status == .ok)
                    let body = try APITestHarness.json(response)
                    let items = try #require(body["items"] as? [[String: Any]])
                    seen += items.compactMap { $0["id"] as? String }
                    #expect(body["total"] as? Int == 5)
                    cursor = body["next"] as? String
                    if let first = items.first {
                        #expect((first["json"] as? [String: Any])?["n"] != nil)
                    }
                }
            } while cursor != nil && seen.count < 10
            #expect(seen == ["i5", "i4", "i3", "i2", "i1"])
            try await client.execute(
                uri: "/v1/nodes/news/items?limit=0",
                method: .get,
                headers: APITestHarness.headers()
            ) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func retractRemovesTheItemAndNotifies() async throws {
        let harness = APITestHarness()
        try await Self.createNews(harness)
        try await harness.application.test(.router) { client in
            try await client.execute(
                uri: "/v1/nodes/news/items/gone",
                method: .put,
                headers: APITestHarness.headers(contentType: "application/json"),
                body: ByteBuffer(string: "true")
            ) { response in
                #expect(response.status == .created)
            }
            _ = harness.takeNotifications()
            try await client.execute(
                uri: "/v1/nodes/news/items/gone",
                method: .delete,
                headers: APITestHarness.headers()
            ) { response in
                #expect(response.status == .noContent)
            }
            let retraction = try #require(harness.takeNotifications().first)
            #expect(XMLSerializer.serialize(retraction).contains("<retract id=\"gone\"/>"))
            try await client.execute(uri: "/v1/nodes/news/items/gone", method: .get, headers: APITestHarness.headers())
            { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(
                uri: "/v1/nodes/news/items/gone",
                method: .delete,
                headers: APITestHarness.headers()
            ) { response in
                #expect(response.status == .notFound)
                let body = try APITestHarness.json(response)
                #expect(body["xmppCondition"] as? String == "item-not-found")
            }
        }
    }

    @Test func nodeIDsAreAnyStringPercentEncoded() async throws {
        let harness = APITestHarness()
        let node = "urn:example/feeds/ünïcode news"
        try await harness.application.test(.router) { client in
            try await client.execute(
                uri: "/v1/nodes",
                method: .post,
                headers: APITestHarness.headers(contentType: "application/json"),
                body: ByteBuffer(string: #"{"node": "urn:example/feeds/ünïcode news"}"#)
            ) { response in
                #expect(response.status == .created)
                #expect(response.headers[.location] == "/v1/nodes/" + PercentEncoding.encode(node))
            }
            try await client.execute(
                uri: "/v1/nodes/\(PercentEncoding.encode(node))/items/a%2Fb",
                method: .put,
                headers: APITestHarness.headers(contentType: "application/json"),
                body: ByteBuffer(string: "1")
            ) { response in
                #expect(response.status == .created)
            }
        }
        #expect(try await harness.store.itemIDs(node: node) == ["a/b"])
    }
}
