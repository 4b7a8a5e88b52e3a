import AsyncHTTPClient
import Foundation
import Postbox
import NIOSSL
import PostboxTestSupport
import Synchronization
import Testing

@testable import PostboxServer

@Suite("TLS-only transport")
struct TransportTests {
    @Test func healthAnswersOverVerifiedTLSWithSecurityHeaders() async throws {
        try await TestServer.run { server in
            let response = try await server.client.send(.GET, server.url("/health"))
            #expect(response.status == 200)
            #expect(try response.json()["status"] as? String == "ok")
            #expect(response.header("strict-transport-security") == "max-age=63072000; includeSubDomains")
            #expect(response.header("x-content-type-options") == "nosniff")
            #expect(response.header("cache-control") == "no-store")
        }
    }

    @Test func theIPAddressNameInTheCertificateIsVerifiedToo() async throws {
        try await TestServer.run { server in
            let response = try await server.client.send(.GET, "https://127.0.0.1:\(server.port)/health")
            #expect(response.status == 200)
        }
    }

    @Test func aClientThatDoesNotTrustTheCAIsRefused() async throws {
        try await TestServer.run { server in
            let stranger = TestHTTPClient.makeWithSystemTrust()
            let wrongCA = try TestHTTPClient.make(trustingCAPEM: try DevCertificateAuthorityPEM.make())
            for client in [stranger, wrongCA] {
                let error = await #expect(throws: NIOSSLError.self) {
                    try await client.send(.GET, server.url("/health"), timeout: .seconds(20))
                }
                #expect(String(describing: error).contains("CERTIFICATE_VERIFY_FAILED"))
                try await client.shutdown()
            }
        }
    }

    @Test func plaintextHTTPToTheTLSPortFails() async throws {
        try await TestServer.run { server in
            let plain = HTTPClient(eventLoopGroupProvider: .singleton)
            await #expect(throws: (any Error).self) {
                try await plain.send(.GET, "http://127.0.0.1:\(server.port)/health", timeout: .seconds(5))
            }
            // The TLS port still serves TLS clients afterwards.
            #expect(try await server.client.send(.GET, server.url("/health")).status == 200)
            try await plain.shutdown()
        }
    }

    @Test func aTLS11OnlyClientIsRefusedAndTLS12And13Work() async throws {
        try await TestServer.run { server in
            let old = try TestHTTPClient.make(
                trustingCAPEM: server.caPEM, minimumTLSVersion: .tlsv1, maximumTLSVersion: .tlsv11)
            let error = await #expect(throws: NIOSSLError.self) {
                try await old.send(.GET, server.url("/health"), timeout: .seconds(20))
            }
            #expect(String(describing: error).contains("PROTOCOL_VERSION"), "refused for its protocol version")
            try await old.shutdown()
            for version in [TLSVersion.tlsv12, .tlsv13] {
                let client = try TestHTTPClient.make(
                    trustingCAPEM: server.caPEM, minimumTLSVersion: version, maximumTLSVersion: version)
                #expect(try await client.send(.GET, server.url("/health")).status == 200)
                try await client.shutdown()
            }
        }
    }
}

/// A CA unrelated to the server's.
enum DevCertificateAuthorityPEM {
    static func make() throws -> String {
        try Postbox.DevCertificateAuthority(commonName: "Unrelated CA").certificatePEM
    }
}


@Suite("Connection limit")
struct ConnectionLimitTests {
    /// A plain TCP connection that never starts its TLS handshake.
    static func idleConnection(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return fd
    }

    @Test func connectionsBeyondTheMaximumWaitUntilOneCloses() async throws {
        try await TestServer.run(configure: { $0.limits.maxConnections = 3 }) { server in
            let held = (0..<3).map { _ in Self.idleConnection(port: server.port) }
            try await Task.sleep(for: .milliseconds(200))
            let answered = AnsweredFlag()
            let waiting = Task {
                let response = try await server.client.send(.GET, server.url("/health"), timeout: .seconds(10))
                answered.set()
                return response
            }
            try await Task.sleep(for: .milliseconds(700))
            #expect(!answered.value, "the fourth connection is not served while three are open")
            held.forEach { close($0) }
            let response = try await waiting.value
            #expect(response.status == 200, "served once a connection closed")
        }
    }

    @Test func aHandshakeThatDoesNotFinishIsClosedAfterItsTimeout() async throws {
        // 2 s, not 1: a normal client's handshake on a machine loaded by the parallel suite once
        // took longer than 1 s and was closed too.
        try await TestServer.run(configure: { $0.limits.handshakeTimeoutSeconds = 2 }) { (server: TestServer) async throws -> Void in
            let fd = Self.idleConnection(port: server.port)
            defer { close(fd) }
            let start: [UInt8] = [0x16, 0x03, 0x01]  // a handshake record that never completes
            _ = start.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var timeout = timeval(tv_sec: 6, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let started = ContinuousClock.now
            var byte: UInt8 = 0
            let received = recv(fd, &byte, 1, 0)  // 0: the server closed the connection
            let waited = ContinuousClock.now - started
            #expect(received <= 0, "the server closed the stalled connection")
            #expect(waited < .seconds(5) && waited > .milliseconds(1500), "after about the timeout (\(waited))")
            // A normal client still completes its handshake.
            let normal = try await server.client.send(.GET, server.url("/health"))
            #expect(normal.status == 200)
        }
    }
}

/// Set once a request was answered.
final class AnsweredFlag: Sendable {
    private let state = Mutex(false)
    func set() { state.withLock { $0 = true } }
    var value: Bool { state.withLock { $0 } }
}

@Suite("Header limits")
struct HeaderLimitTests {
    @Test func aHugeHeaderIsRefusedAndTheServerGoesOn() async throws {
        try await TestServer.run { (server: TestServer) async throws -> Void in
            let huge = String(repeating: "x", count: 200 * 1024)
            let refused: Bool
            do {
                let response = try await server.client.send(
                    .GET, server.url("/health"), headers: [("X-Padding", huge)], timeout: .seconds(3))
                refused = response.status == 431 || response.status == 400
            } catch {
                refused = true  // the connection was closed on the oversized header block
            }
            #expect(refused, "a 200 KiB header is not accepted")
            // A new connection (the refused one is closed) is served as before.
            let fresh = try TestHTTPClient.make(trustingCAPEM: server.caPEM)
            let afterwards = try await fresh.send(.GET, server.url("/health"))
            try await fresh.shutdown()
            #expect(afterwards.status == 200)
        }
    }
}
