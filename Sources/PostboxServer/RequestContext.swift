import Hummingbird
import NIOCore
import Postbox

/// Per-request state shared by middleware and controllers.
struct PostboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's socket address. Only ``ClientAddressMiddleware`` reads it, to shorten it;
    /// never log or store it.
    let peerAddress: SocketAddress?
    /// The client address shortened at ingress (e.g. `192.0.2.0/24`), or nil when dropped.
    var clientIP: String?
    /// Largest body a handler may collect; set from configuration by ``BodyLimitMiddleware``.
    var maxUploadSize: Int = 1 << 20
    /// The caller, when a valid session token came with the request.
    var principal: Principal?
    /// Channel of origin from `X-Postbox-Channel` (`web`, `api`, `cli`; default `api`).
    var channel: String = "api"

    /// The caller, or 401 when the request carries no valid session.
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw PostboxError(.unauthorised, detail: "log in and send the session token") }
        return principal
    }

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress
    }
}
