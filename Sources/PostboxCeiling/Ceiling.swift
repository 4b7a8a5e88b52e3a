import Foundation
import Hummingbird
import HummingbirdHTTP2
import NIOCore
import NIOSSL

/// `postbox-ceiling`: the stack ceiling of `make bench` — Hummingbird 2 over the same TLS
/// policy (TLS 1.2+, the same suites, HTTP/2 by ALPN), answering with bodies of the sizes
/// Postbox answers W1 (a created message) and W2 (50 messages), doing no application work.
///
///     postbox-ceiling CERT.pem KEY.pem PORT POST_BYTES READ_BYTES
@main
struct Ceiling {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 6, let port = Int(arguments[3]), let postBytes = Int(arguments[4]),
            let readBytes = Int(arguments[5])
        else {
            FileHandle.standardError.write(Data("usage: postbox-ceiling CERT KEY PORT POST_BYTES READ_BYTES\n".utf8))
            exit(64)
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(arguments[1]).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: arguments[2], format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuites = [
            "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
        ].joined(separator: ":")
        let created = ByteBuffer(string: "{\"body\":\"" + String(repeating: "x", count: max(0, postBytes - 11)) + "\"}")
        let page = ByteBuffer(string: "{\"items\":\"" + String(repeating: "y", count: max(0, readBytes - 12)) + "\"}")
        let router = Router()
        router.post("/**") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            return Response(
                status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: created))
        }
        router.get("/**") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: page))
        }
        let app = Application(
            router: router, server: try .http2Upgrade(tlsConfiguration: tls),
            configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}
