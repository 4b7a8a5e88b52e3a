import AsyncHTTPClient
import Foundation
import PostboxTestSupport
import Testing

@testable import Postbox
@testable import PostboxServer

@Suite("Mutual TLS for staff: with tls.staffClientCertificates, advisors, DPOs and admins need their own certificate")
struct ClientCertificateTests {
    /// The data directory's CA, which `postbox-server init` made and `certs issue` signs with.
    func authority(_ server: TestServer) throws -> DevCertificateAuthority {
        try DevCertificateAuthority(
            certificatePEM: server.caPEM,
            privateKeyPEM: try String(contentsOfFile: server.config.dataDirectory.file("tls/ca-key.pem"), encoding: .utf8))
    }

    func client(_ server: TestServer, _ issued: DevCertificateAuthority.Issued?, http1Only: Bool = false) throws -> HTTPClient {
        try TestHTTPClient.make(
            trustingCAPEM: server.caPEM, identity: issued.map { ($0.certificatePEM, $0.privateKeyPEM) },
            http1Only: http1Only)
    }

    @Test func staffRequestsNeedTheirOwnCertificateAndOthersNeedNone() async throws {
        try await TestServer.run(configure: { $0.tls.staffClientCertificates = true }) { server in
            let ca = try authority(server)
            let asAdmin = try client(server, try ca.issueClientCertificate(commonName: "admin"))
            let asAdminOverHTTP1 = try client(server, try ca.issueClientCertificate(commonName: "admin"), http1Only: true)
            let asSomeoneElse = try client(server, try ca.issueClientCertificate(commonName: "advisor"))
            let foreign = try client(server, try DevCertificateAuthority().issueClientCertificate(commonName: "admin"))
            let clients = [asAdmin, asAdminOverHTTP1, asSomeoneElse, foreign]
            do {
                try await check(
                    server, asAdmin: asAdmin, asAdminOverHTTP1: asAdminOverHTTP1, asSomeoneElse: asSomeoneElse,
                    foreign: foreign)
            } catch {
                for c in clients { try? await c.shutdown() }
                throw error
            }
            for c in clients { try await c.shutdown() }
        }
    }

    func check(
        _ server: TestServer, asAdmin: HTTPClient, asAdminOverHTTP1: HTTPClient, asSomeoneElse: HTTPClient, foreign: HTTPClient
    ) async throws {
        // Logging in needs no certificate; using the session as staff does.
        let token = try await server.adminToken()
        let users = server.url("/v1/users")
        let refused = try await server.client.send(.GET, users, headers: server.bearer(token))
        #expect(refused.status == 403)
        #expect(try refused.json()["type"] as? String == "urn:postbox:problem:client-certificate-required")
        #expect(try await asAdmin.send(.GET, users, headers: server.bearer(token)).status == 200)
        #expect(try await asAdminOverHTTP1.send(.GET, users, headers: server.bearer(token)).status == 200)
        // Another person's certificate is not the admin's.
        #expect(try await asSomeoneElse.send(.GET, users, headers: server.bearer(token)).status == 403)
        // A certificate from another CA ends the handshake.
        await #expect(throws: (any Error).self) { _ = try await foreign.send(.GET, users, headers: server.bearer(token)) }

        // Members (and brokers) use the postbox without a certificate.
        let created = try server.expectStatus(201, try await asAdmin.sendJSON(
            .POST, users, ["login": "maria", "role": "member", "displayName": "Maria", "memberNumber": "M-1"],
            headers: server.bearer(token)))
        let code = try #require(try created.json()["activationCode"] as? String)
        _ = try server.expectStatus(200, try await server.client.sendJSON(
            .POST, server.url("/v1/activate"), ["login": "maria", "activationCode": code, "password": "passphrase of maria 1"]))
        let member = try await server.login("maria", "passphrase of maria 1")
        #expect(try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(member)).status == 200)
    }

    @Test func withoutTheSettingNoCertificateIsAskedFor() async throws {
        try await TestServer.run { server in
            let token = try await server.adminToken()
            #expect(try await server.client.send(.GET, server.url("/v1/users"), headers: server.bearer(token)).status == 200)
        }
    }
}
