import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Postbox

/// Resolves the session of a request from `Authorization: Bearer` or the `__Host-postbox`
/// cookie, and records the channel of origin.
///
/// A missing or invalid token leaves the request anonymous (handlers that need a caller answer
/// 401), so a stale cookie never blocks logging in again. Cookie-authenticated requests that
/// change state must carry `X-CSRF-Token` matching the session (403 otherwise); bearer tokens
/// are not sent by browsers on their own and need no CSRF check.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = PostboxRequestContext
    let sessions: SessionService
    /// Whether staff (advisors, DPOs, admins) must connect with their client certificate.
    var staffClientCertificates = false

    static let staffRoles: Set<Role> = [.advisor, .dpo, .admin]

    static let cookieName = "__Host-postbox"
    static let csrfCookieName = "__Host-postbox-csrf"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    static let channelHeader = HTTPField.Name("X-Postbox-Channel")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        if let channel = request.headers.value(of: Self.channelHeader)?.lowercased(),
            ["web", "api", "cli"].contains(channel)
        {
            context.channel = channel
        }
        if let header = request.headers.value(of: .authorization), let token = Self.bearerToken(in: header) {
            context.principal = try? await sessions.authenticate(token: token)
        } else if let token = request.cookies[Self.cookieName]?.value {
            if let principal = try? await sessions.authenticate(token: token) {
                if ![.get, .head, .options].contains(request.method) {
                    guard let sent = request.headers[Self.csrfHeader], let expected = sessions.csrfToken(for: token),
                        constantTimeEquals(Array(sent.utf8), Array(expected.utf8))
                    else {
                        throw PostboxError(.csrfFailed, detail: "send the X-CSRF-Token of this session")
                    }
                }
                context.principal = principal
            }
        }
        if let principal = context.principal {
            context.logger[metadataKey: "user.id"] = .string(principal.userID)
            if staffClientCertificates, Self.staffRoles.contains(principal.role),
                await context.clientCertificateCommonName() != principal.login
            {
                throw PostboxError(
                    .clientCertificateRequired,
                    detail: "staff accounts connect with the client certificate issued for their login")
            }
        }
        return try await next(request, context)
    }

    /// The credentials of an `Authorization` header with the `Bearer` scheme (its name in any
    /// case, RFC 9110 §11.1), without the blanks around them (empty when there are none); nil for
    /// another scheme.
    /// On every request, hence bytes rather than a lower-cased copy and Foundation's trimming.
    static func bearerToken(in header: String) -> String? {
        let bytes = header.utf8
        let scheme = "bearer ".utf8
        guard bytes.count >= scheme.count,
            zip(bytes, scheme).allSatisfy({ byte, expected in
                expected == UInt8(ascii: " ") ? byte == expected : byte | 0x20 == expected
            })
        else { return nil }
        func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        var credentials = bytes.dropFirst(scheme.count)
        while let first = credentials.first, isBlank(first) { credentials = credentials.dropFirst() }
        while let last = credentials.last, isBlank(last) { credentials = credentials.dropLast() }
        return String(Substring(credentials))
    }
}
