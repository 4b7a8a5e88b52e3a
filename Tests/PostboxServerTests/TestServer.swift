import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOPosix
import Postbox
import PostboxTestSupport

@testable import PostboxServer

/// A live TLS server on port 0 with its own data directory, and a client trusting only its CA.
struct TestServer {
    let baseURL: String
    let port: Int
    let caPEM: String
    let config: ServerConfiguration
    let initialisation: InitialisationResult
    let client: HTTPClient
    let logs: LogRecorder
    let clock: ManualClock

    func url(_ path: String) -> String { baseURL + path }

    static let adminPassword = "admin passphrase 2026"

    /// Activates the first admin and logs in; returns the bearer token.
    func adminToken() async throws -> String {
        let activated = try await client.sendJSON(
            .POST, url("/v1/activate"),
            ["login": "admin", "activationCode": initialisation.activationCode, "password": Self.adminPassword])
        guard activated.status == 200 else { throw ProcessFailure("activation failed: \(activated.status)") }
        return try await login("admin", Self.adminPassword)
    }

    /// Logs in and returns the bearer token.
    func login(_ login: String, _ password: String) async throws -> String {
        let response = try await client.sendJSON(.POST, url("/v1/session"), ["login": login, "password": password])
        guard response.status == 201, let token = try response.json()["token"] as? String else {
            throw ProcessFailure("login of \(login) failed: \(response.status)")
        }
        return token
    }

    /// Creates and activates an account; returns its id and a bearer token.
    func makeUser(
        _ login: String, role: String, adminToken: String, organisationId: String? = nil, memberNumber: String? = nil,
        acceptTerms: Bool = true
    ) async throws -> (id: String, token: String) {
        var body: [String: Any] = ["login": login, "role": role, "displayName": "User \(login)"]
        if let organisationId { body["organisationId"] = organisationId }
        if let memberNumber { body["memberNumber"] = memberNumber }
        let created = try await client.sendJSON(.POST, url("/v1/users"), body, headers: bearer(adminToken))
        guard created.status == 201, let id = try created.json()["id"] as? String,
            let code = try created.json()["activationCode"] as? String
        else { throw ProcessFailure("creating \(login) failed: \(created.status)") }
        let password = "passphrase of \(login) 1"
        let activated = try await client.sendJSON(
            .POST, url("/v1/activate"), ["login": login, "activationCode": code, "password": password])
        guard activated.status == 200 else { throw ProcessFailure("activating \(login) failed") }
        let token = try await self.login(login, password)
        if acceptTerms {
            let consent = try await client.sendJSON(
                .POST, url("/v1/me/consent"), ["version": config.termsVersion], headers: bearer(token))
            guard consent.status == 204 else { throw ProcessFailure("consent of \(login) failed") }
        }
        return (id, token)
    }

    func bearer(_ token: String) -> [(String, String)] { [("Authorization", "Bearer \(token)")] }

    /// Initialises a fresh data directory, starts the server through the one builder,
    /// waits for it to listen, runs `body`, then shuts everything down.
    static func run(
        configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: (TestServer) async throws -> Void
    ) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var config = ServerConfiguration(dataDirectory: dir.file("data"))
        config.passwordHashing = .minimum
        // Its own admission count, as a server has in its own process: dozens of test servers
        // start at once in this one, and together they would fill the process's shared pool.
        config.hashingPool = HashingPool(threads: .singleton, capacity: 16)
        config.host = "127.0.0.1"
        config.port = 0
        // Tests write fast from one account; the limit itself is tested with it switched on.
        config.rateLimits.entriesPerMinute = 0
        configure(&config)
        let initialisation = try await initialiseDataDirectory(config, adminLogin: "admin")
        let caPEM = try String(contentsOfFile: initialisation.caFile, encoding: .utf8)
        let logs = LogRecorder()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let clock = ManualClock()
        let app = try buildApplication(config, logger: logs.logger(level: .info), now: { clock.now() }) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        let client = try TestHTTPClient.make(trustingCAPEM: caPEM)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
            let server = TestServer(
                baseURL: "https://localhost:\(port)", port: port, caPEM: caPEM, config: config,
                initialisation: initialisation, client: client, logs: logs, clock: clock)
            do {
                try await body(server)
            } catch {
                try? await client.shutdown()
                group.cancelAll()
                throw error
            }
            try await client.shutdown()
            group.cancelAll()
        }
    }
}
