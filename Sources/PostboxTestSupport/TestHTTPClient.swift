import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// HTTP clients for tests that trust exactly one CA, with full certificate and host verification.
public enum TestHTTPClient {
    /// A client that trusts only the CA in `caPEM`, optionally limited to TLS versions, optionally
    /// presenting a client certificate (`identity`: certificate and private key, PEM), optionally
    /// speaking HTTP/1.1 only (otherwise HTTP/2 when the server offers it).
    public static func make(
        trustingCAPEM caPEM: String,
        minimumTLSVersion: TLSVersion = .tlsv12,
        maximumTLSVersion: TLSVersion? = nil,
        identity: (certificatePEM: String, privateKeyPEM: String)? = nil,
        http1Only: Bool = false
    ) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(caPEM.utf8)))
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = minimumTLSVersion
        tls.maximumTLSVersion = maximumTLSVersion
        if let identity {
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(identity.certificatePEM.utf8))
                .map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        if http1Only { configuration.httpVersion = .http1Only }
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        // A refused handshake is not transient: fail at once instead of retrying until the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// A client with the system's default trust store (which does not hold the test CA).
    public static func makeWithSystemTrust() -> HTTPClient {
        var configuration = HTTPClient.Configuration(tlsConfiguration: .makeClientConfiguration())
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        // A refused handshake is not transient: fail at once instead of retrying until the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}

/// A response with its body collected.
public struct CollectedResponse: Sendable {
    public let status: Int
    public let headers: [(String, String)]
    public let body: Data

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    /// The body decoded as a JSON object.
    public func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        return object
    }
}

extension HTTPClient {
    /// Sends a request and collects the response (up to 32 MiB).
    public func send(
        _ method: HTTPMethod, _ url: String, headers: [(String, String)] = [], body: Data? = nil,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> CollectedResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 32 << 20)
        return CollectedResponse(
            status: Int(response.status.code),
            headers: response.headers.map { ($0.name, $0.value) },
            body: Data(buffer.readableBytesView))
    }

    /// Sends `json` (any `JSONSerialization` value) with `Content-Type: application/json`.
    public func sendJSON(
        _ method: HTTPMethod, _ url: String, _ json: Any, headers: [(String, String)] = []
    ) async throws -> CollectedResponse {
        let data = try JSONSerialization.data(withJSONObject: json)
        return try await send(method, url, headers: headers + [("Content-Type", "application/json")], body: data)
    }
}
