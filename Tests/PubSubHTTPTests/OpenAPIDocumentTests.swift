import Foundation
import Hummingbird
import PubSub
import Testing

@testable import PubSubHTTP

/// Schemas/http-api.yaml describes exactly the routes the server has (issue 6). The response
/// bodies are validated against its schemas by the interop tests (test_http_api_interop.py).
@Suite struct OpenAPIDocumentTests {
    static var document: URL {
        URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "Schemas/http-api.yaml")
    }

    /// "METHOD /path/{param}" for each operation under `paths:`. The document is written with
    /// paths at two spaces and methods at four, which this reads without a YAML library.
    static func documentedOperations() throws -> Set<String> {
        let lines = try String(contentsOf: Self.document, encoding: .utf8).split(separator: "\n")
        guard let start = lines.firstIndex(of: "paths:") else { return [] }
        let methods: Set = ["get", "put", "post", "delete", "patch", "head", "options"]
        var operations: Set<String> = []
        var path = ""
        for line in lines[(start + 1)...] {
            guard line.hasPrefix(" ") else { break }
            if line.hasPrefix("  /") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     ") {
                let name = String(line.dropFirst(4).prefix { $0 != ":" })
                if methods.contains(name) { operations.insert(name.uppercased() + " " + path) }
            }
        }
        return operations
    }

    @Test func theDocumentAndTheRouterHaveTheSameOperations() throws {
        let router = Router(context: APIRequestContext.self)
        HTTPAPI(
            domain: APITestHarness.domain,
            store: InMemoryAPIStore(),
            configuredTokens: [:],
            limits: APITestHarness().limits,
            instantNodes: true,
            execute: { _ in .none }
        ).addRoutes(to: router)
        let served = Set(
            router.routes.map { route in
                let path = route.path.description.split(separator: "/").map { part in
                    part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
                }
                return "\(route.method.rawValue) /" + path.joined(separator: "/")
            }
        )
        let documented = try Self.documentedOperations()
        #expect(documented.count == 10)
        #expect(served == documented)
    }
}
