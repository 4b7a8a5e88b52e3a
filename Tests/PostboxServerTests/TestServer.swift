import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
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

    func url(_ path: String) -> String { baseURL + path }

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
        config.host = "127.0.0.1"
        config.port = 0
        configure(&config)
        let initialisation = try await initialiseDataDirectory(config, adminLogin: "admin")
        let caPEM = try String(contentsOfFile: initialisation.caFile, encoding: .utf8)
        let logs = LogRecorder()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try buildApplication(config, logger: logs.logger(level: .info)) { channel in
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
                initialisation: initialisation, client: client, logs: logs)
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
