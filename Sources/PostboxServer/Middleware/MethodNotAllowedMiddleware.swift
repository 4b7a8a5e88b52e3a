import HTTPTypes
import Hummingbird
import Synchronization

/// The routes the router holds, by path pattern; filled once after every controller added its routes.
final class RouteTable: Sendable {
    struct Pattern: Sendable {
        /// Path segments; nil matches any one segment (a `:parameter`).
        let segments: [String?]
        var methods: Set<String>
    }

    private let patterns = Mutex<[Pattern]>([])

    /// Takes the routes of `router`.
    func load(_ routes: [Router<PostboxRequestContext>.RouteDescription]) {
        var collected: [Pattern] = []
        for route in routes {
            // Hummingbird describes a parameter registered as `:id` as `{id}`.
            let segments = route.path.description.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }
            if let index = collected.firstIndex(where: { $0.segments == segments }) {
                collected[index].methods.insert(route.method.rawValue)
            } else {
                collected.append(Pattern(segments: segments, methods: [route.method.rawValue]))
            }
        }
        patterns.withLock { $0 = collected }
    }

    /// The methods a path answers, or nil when no route has this path.
    func methods(for path: String) -> Set<String>? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        return patterns.withLock { patterns in
            patterns.first { pattern in
                pattern.segments.count == parts.count
                    && zip(pattern.segments, parts).allSatisfy { expected, actual in
                        expected.map { $0 == actual } ?? true
                    }
            }?.methods
        }
    }
}

/// A known path asked with a method it does not answer gets 405 with `Allow` (RFC 9110),
/// not 404: the resource exists, the method does not.
struct MethodNotAllowedMiddleware: RouterMiddleware {
    typealias Context = PostboxRequestContext
    let table: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // The router names the route it matched before the middleware runs: only a request it
        // found no route for is looked up here.
        guard context.endpointPath == nil, let methods = table.methods(for: request.uri.path),
            !methods.contains(request.method.rawValue),
            !(request.method == .head && methods.contains("GET"))
        else { return try await next(request, context) }
        var response = Problem(
            slug: "method-not-allowed", title: "Method not allowed", status: .methodNotAllowed,
            detail: "this resource answers \(methods.sorted().joined(separator: ", "))"
        ).response()
        response.headers[.allow] = methods.sorted().joined(separator: ", ")
        return response
    }
}
