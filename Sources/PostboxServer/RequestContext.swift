import Hummingbird
import NIOCore
import NIOSSL
import Postbox

/// Per-request state shared by middleware and controllers.
struct PostboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The peer's socket address. Only ``ClientAddressMiddleware`` reads it, to shorten it;
    /// never log or store it.
    let peerAddress: SocketAddress?
    /// The connection's channel (for HTTP/2 the stream's, whose parent holds the TLS handler).
    let connection: any Channel
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
        connection = source.channel
    }

    /// The common name of the client certificate this connection presented and the CA
    /// verified, or nil when it presented none.
    func clientCertificateCommonName() async -> String? {
        // HTTP/1.1: the TLS handler is in the connection's own pipeline; HTTP/2: in the parent's.
        for channel in [connection, connection.parent].compactMap({ $0 }) {
            guard let name = try? await channel.nioSSL_peerCertificate().map({ certificate in
                certificate.flatMap { try? $0.toDERBytes() }.flatMap(DevCertificateAuthority.commonName(ofCertificateDER:))
            }).get() else { continue }
            return name
        }
        return nil
    }
}
