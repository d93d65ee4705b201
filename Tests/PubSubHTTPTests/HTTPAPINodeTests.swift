import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PubSub
import Testing
import XMPPCore

@testable import PubSubHTTP

/// Node administration over HTTP, and Idempotency-Key (issue 6).
@Suite struct HTTPAPINodeTests {
    @Test func aNodeIsCreatedConfiguredPurgedAndDeleted() async throws {
        let harness = APITestHarness()
        try await harness.application.test(.router) { client in
            try await client.execute(
                uri: "/v1/nodes",
                method: .post,
                headers: APITestHarness.headers(contentType: "application/json"),
                body: ByteBuffer(
                    string:
                        #"{"node": "alerts", "config": {"title": "Alerts", "max_items": 3, "deliver_payloads": true}}"#
                )
            ) { response in
                #expect(response.status == .created)
                #expect(response.headers[.location] == "/v1/nodes/alerts")
            }
            try await client.execute(uri: "/v1/nodes/alerts", method: .get, headers: APITestHarness.headers()) {
                response in
                #expect(response.status == .ok)
                let body = try APITestHarness.json(response)
                let config = try #require(body["config"] as? [String: Any])
                #expect(config["title"] as? String == "Alerts")
                #expect(config["max_items"] as? Int == 3)
                #expect(config["deliver_payloads"] as? Bool == true)
                #expect(config["access_model"] as? String == "open")
                #expect(config["roster_groups_allowed"] as? [String] == [])
            }
            try await client.execute(
                uri: "/v1/nodes/alerts",
                method: .patch,
                headers: APITestHarness.headers(contentType: "application/json"),
                body: ByteBuffer(
                    string: #"{"config": {"title": "Pager", "access_model": "whitelist", "description": null}}"#
                )
            ) { response in
                #expect(response.status == .ok)
                let config = try #require(try APITestHarness.json(response)["config"] as? [String: Any])
                #expect(config["title"] as? String == "Pager")
                #expect(config["access_model"] as? String == "whitelist")
                // Fields left out keep their values.
                #expect(config["max_items"] as? Int == 3)
            }
            let stored = try #require(try await harness.store.node("alerts"))
            #expect(stored.configuration.title == "Pager")
            #expect(stored.configuration.accessModel == .whitelist)
            #expect(stored.creator == APITestHarness.alice)
            for index in 1...2 {
                try await client.execute(
                    uri: "/v1/nodes/alerts/items/a\(index)",
                    method: .put,
                    headers: APITestHarness.headers(contentType: "application/json"),
                    body: ByteBuffer(string: "\(index)")
                ) { response in
                    #expect(response.status == .created)
                }
            }
            try await client.execute(uri: "/v1/nodes/alerts/purge", method: .post, headers: APITestHarness.headers()) {
                response in
                #expect(response.status == .noContent)
            }
            #expect(try await harness.store.itemIDs(node: "alerts").isEmpty)
            try await client.execute(uri: "/v1/nodes/alerts", method: .delete, headers: APITestHarness.headers()) {
                response in
                #expect(response.status == .noContent)
            }
            #expect(try await harness.store.node("alerts") == nil)
            try await client.execute(uri: "/v1/nodes/alerts", method: .get, headers: APITestHarness.headers()) {
                response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func anEmptyCreateMakesAnInstantNode() async throws {
        let harness = APITestHarness()
        try await harness.application.test(.router) { client in
            try await client.execute(uri: "/v1/nodes", method: .post, headers: APITestHarness.headers()) { response in
                #expect(response.status == .created)
                let node = try #require(try APITestHarness.json(response)["node"] as? String)
                #expect(response.headers[.location] == "/v1/nodes/" + PercentEncoding.encode(node))
                #expect(try await harness.store.node(node) != nil)
            }
            try await client.execute(
                uri: "/v1/nodes",
                method: .post,
                headers: APITestHarness.headers(contentType: "application/json"),
                body: ByteBuffer(string: #"{"node": "n", "config": {"max_items": 1.5}}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
            }
            // A misspelt key is refused rather than making an instant node.
            try await client.execute(
                uri: "/v1/nodes",
                method: .post,
                headers: APITestHarness.headers(contentType: "application/json"),
                body: ByteBuffer(string: #"{"nodeid": "n"}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                let body = try APITestHarness.json(response)
                #expect((body["detail"] as? String)?.contains("nodeid") == true)
            }
            #expect(try await harness.store.node("n") == nil)
            #expect(try await harness.store.nodes().count == 1)
        }
    }

    @Test func aRetriedPublishWithAnIdempotencyKeyStoresOneItem() async throws {
        let harness = APITestHarness()
        try await HTTPAPIItemTests.createNews(harness)
        let key: [HTTPField.Name: String] = [HTTPField.Name("Idempotency-Key")!: "order-42"]
        try await harness.application.test(.router) { client in
            var first: [String: Any] = [:]
            for attempt in 0..<3 {
                try await client.execute(
                    uri: "/v1/nodes/news/items",
                    method: .post,
                    headers: APITestHarness.headers(contentType: "application/json", key),
                    body: ByteBuffer(string: #"{"order": 42}"#)
                ) { response in
                    #expect(response.status == .created)
                    let body = try APITestHarness.json(response)
                    if attempt == 0 {
                        first = body
                        #expect(response.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
                    } else {
                        #expect(body["id"] as? String == first["id"] as? String)
                        #expect(body["sequence"] as? Int == first["sequence"] as? Int)
                        #expect(response.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
                    }
                }
            }
            // The same key for another request is a client error, and runs nothing.
            try await client.execute(
                uri: "/v1/nodes/news/items",
                method: .post,
                headers: APITestHarness.headers(contentType: "application/json", key),
                body: ByteBuffer(string: #"{"order": 43}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
            }
            // Another token's key of the same name is its own.
            try await client.execute(
                uri: "/v1/nodes/news/items",
                method: .post,
                headers: APITestHarness.headers(token: APITestHarness.bobToken, contentType: "application/json", key),
                body: ByteBuffer(string: #"{"order": 42}"#)
            ) { response in
                #expect(response.status == .forbidden)
            }
        }
        #expect(try await harness.store.itemIDs(node: "news").count == 1)
        // One notification to bob: replays send none.
        #expect(harness.takeNotifications().count == 1)
    }

    @Test func aRefusalIsReplayedButAnUnavailableServiceIsRetried() async throws {
        let harness = APITestHarness()
        try await HTTPAPIItemTests.createNews(harness)
        let key: [HTTPField.Name: String] = [HTTPField.Name("Idempotency-Key")!: "k"]
        try await harness.application.test(.router) { client in
            harness.setReady(false)
            try await client.execute(
                uri: "/v1/nodes/news/items",
                method: .post,
                headers: APITestHarness.headers(contentType: "application/json", key),
                body: ByteBuffer(string: "1")
            ) { response in
                #expect(response.status == .serviceUnavailable)
            }
            harness.setReady(true)
            try await client.execute(
                uri: "/v1/nodes/news/items",
                method: .post,
                headers: APITestHarness.headers(contentType: "application/json", key),
                body: ByteBuffer(string: "1")
            ) { response in
                #expect(response.status == .created)
            }
            let bobKey: [HTTPField.Name: String] = [HTTPField.Name("Idempotency-Key")!: "b"]
            for attempt in 0..<2 {
                try await client.execute(
                    uri: "/v1/nodes/news/items",
                    method: .post,
                    headers: APITestHarness.headers(
                        token: APITestHarness.bobToken,
                        contentType: "application/json",
                        bobKey
                    ),
                    body: ByteBuffer(string: "1")
                ) { response in
                    #expect(response.status == .forbidden)
                    // The refusal is replayed, not run again.
                    let replayed = response.headers[HTTPField.Name("Idempotent-Replayed")!]
                    #expect(replayed == (attempt == 0 ? nil : "true"))
                }
            }
            try await client.execute(
                uri: "/v1/nodes/news/items",
                method: .post,
                headers: APITestHarness.headers(
                    contentType: "application/json",
                    [HTTPField.Name("Idempotency-Key")!: "bad key"]
                ),
                body: ByteBuffer(string: "1")
            ) { response in
                #expect(response.status == .badRequest)
            }
        }
        #expect(try await harness.store.itemIDs(node: "news").count == 1)
    }

    @Test func anInstantNodeMadeWithAKeyIsMadeOnce() async throws {
        let harness = APITestHarness()
        let key: [HTTPField.Name: String] = [HTTPField.Name("Idempotency-Key")!: "make-node"]
        let nodes = try await harness.application.test(.router) { client in
            var nodes: Set<String> = []
            for _ in 0..<2 {
                let node = try await client.execute(
                    uri: "/v1/nodes",
                    method: .post,
                    headers: APITestHarness.headers(key)
                ) { response in
                    #expect(response.status == .created)
                    return try APITestHarness.json(response)["node"] as? String
                }
                nodes.insert(try #require(node))
            }
            return nodes
        }
        #expect(nodes.count == 1)
        #expect(try await harness.store.nodes().map(\.id) == Array(nodes))
        #expect(nodes.first?.hasPrefix("idem-") == true)
    }

    @Test func aRequestRefusedAfterItsFirstCallKeepsItsKeyClaimed() async throws {
        let harness = APITestHarness()
        try await HTTPAPIItemTests.createNews(harness)
        let key: [HTTPField.Name: String] = [HTTPField.Name("Idempotency-Key")!: "patch-1"]
        try await harness.application.test(.router) { client in
            // The configure goes through; the read of the new configuration is refused.
            harness.refuse(afterCalls: 1)
            try await client.execute(
                uri: "/v1/nodes/news",
                method: .patch,
                headers: APITestHarness.headers(contentType: "application/json", key),
                body: ByteBuffer(string: #"{"config": {"title": "Changed"}}"#)
            ) { response in
                #expect(response.status == .serviceUnavailable)
            }
            harness.refuse(afterCalls: .max)
            // The change happened, so the key is not free for a re-run.
            try await client.execute(
                uri: "/v1/nodes/news",
                method: .patch,
                headers: APITestHarness.headers(contentType: "application/json", key),
                body: ByteBuffer(string: #"{"config": {"title": "Changed"}}"#)
            ) { response in
                #expect(response.status == .conflict)
            }
        }
        #expect(try await harness.store.node("news")?.configuration.title == "Changed")
    }
}
