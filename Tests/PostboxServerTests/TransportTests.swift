import AsyncHTTPClient
import Foundation
import Postbox
import NIOSSL
import PostboxTestSupport
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
                    try await client.send(.GET, server.url("/health"), timeout: .seconds(2))
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
                try await old.send(.GET, server.url("/health"), timeout: .seconds(2))
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

