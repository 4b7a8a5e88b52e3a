import Hummingbird
import NIOCore

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

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress
    }
}
