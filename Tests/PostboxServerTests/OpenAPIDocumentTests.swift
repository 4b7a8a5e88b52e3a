import Foundation
import PostboxTestSupport
import Testing
import Yams

@testable import PostboxServer

@Suite("The OpenAPI document matches the router")
struct OpenAPIDocumentTests {
    /// `METHOD /path` with every path parameter written as `{}`.
    static func normalise(_ method: String, _ path: String) -> String {
        let path = path.split(separator: "/").map { $0.hasPrefix(":") || $0.hasPrefix("{") ? "{}" : String($0) }
        return "\(method.uppercased()) /\(path.joined(separator: "/"))"
    }

    func documentedOperations(_ yaml: String) throws -> Set<String> {
        let document = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var operations = Set<String>()
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys
            where ["get", "post", "put", "patch", "delete"].contains(method) {
                operations.insert(Self.normalise(method, path))
            }
        }
        return operations
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() async throws {
        try await TestServer.run { server in
            let served = try await server.client.send(.GET, server.url("/openapi.yaml"))
            #expect(served.status == 200)
            #expect(served.header("content-type")?.hasPrefix("application/yaml") == true)
            let documented = try documentedOperations(String(decoding: served.body, as: UTF8.self))

            let router = buildRouter(server.config, dependencies: try openDependencies(server.config))
            let registered = Set(router.routes.map { Self.normalise($0.method.rawValue, "\($0.path)") })
            #expect(registered.subtracting(documented).isEmpty, "undocumented: \(registered.subtracting(documented))")
            #expect(documented.subtracting(registered).isEmpty, "documented but missing: \(documented.subtracting(registered))")
            #expect(registered.count >= 15)
        }
    }
}
