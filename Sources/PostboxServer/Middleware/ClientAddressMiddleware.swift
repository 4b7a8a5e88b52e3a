import HTTPTypes
import Hummingbird
import Logging
import Postbox

/// Shortens the client address at ingress, before anything logs or stores it, and logs one
/// line per request (method, route, status, duration, shortened address — never content,
/// query strings or tokens).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = PostboxRequestContext
    let anonymisation: IPAnonymisation

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.clientIP = context.peerAddress?.ipAddress.flatMap { anonymisation.shorten($0) }
        context.logger[metadataKey: "client.ip"] = context.clientIP.map { .string($0) }
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        context.logger.info(
            "request",
            metadata: [
                "http.method": .string(request.method.rawValue),
                "http.route": .string(context.endpointPath ?? "unmatched"),
                "http.status": .stringConvertible(response.status.code),
                "duration.ms": .stringConvertible(milliseconds),
            ])
        return response
    }
}

/// Enforces the request body limit: an announced oversize body is refused before it is read,
/// and handlers collect at most `maxBytes` (413 beyond).
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = PostboxRequestContext
    let maxBytes: Int
    /// The limit of file uploads (`POST /v1/tickets/{id}/attachments`).
    let uploadMaxBytes: Int
    /// The upload route as the router names the route it matched.
    static let uploadRoute = AttachmentController.uploadRoute.description

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let isUpload = request.method == .post && context.endpointPath == Self.uploadRoute
        let limit = isUpload ? uploadMaxBytes : maxBytes
        if let length = request.headers.value(of: .contentLength).flatMap(Int.init), length > limit {
            throw HTTPError(.contentTooLarge)
        }
        var context = context
        context.maxUploadSize = limit
        return try await next(request, context)
    }
}

/// Headers every response carries: HSTS, no sniffing, no caching of personal data, no referrer.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The HSTS value and the referrer policy's name, made once rather than for every response.
    let strictTransportSecurity: String
    let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    init(hstsMaxAge: Int) {
        strictTransportSecurity = "max-age=\(hstsMaxAge); includeSubDomains"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response = try await next(request, context)
        response.headers[.strictTransportSecurity] = strictTransportSecurity
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[referrerPolicy] = "no-referrer"
        if !response.headers.contains(.cacheControl) { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
