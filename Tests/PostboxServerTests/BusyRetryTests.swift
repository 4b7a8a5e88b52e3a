import Foundation
import NIOPosix
import Postbox
import PostboxTestSupport
import Testing

@testable import PostboxServer

/// The `postbox` CLI against a server whose password checks are all taken (503 `server-busy`).
@Suite("The CLI tries a busy server again after Retry-After")
struct BusyRetryTests {
    /// Lines of the server's log that answered a login 503.
    static func busyLogins(_ server: TestServer) -> Int {
        server.logs.recorded.filter { $0.contains("http.route=/v1/session") && $0.contains("http.status=503") }.count
    }

    @Test func aLoginAnsweredServerBusyIsTriedAgainAndGivenUpAfterFourTries() async throws {
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        // One admission: a check held by the test refuses every other with 503.
        let pool = HashingPool(threads: threads, capacity: 1)
        try await TestServer.run(configure: { $0.hashingPool = pool }) { server in
            _ = try await server.adminToken()
            let home = try TemporaryDirectory()
            defer { home.remove() }
            let environment = [
                "XDG_CONFIG_HOME": home.path, "POSTBOX_SERVER": server.baseURL, "POSTBOX_CA": server.initialisation.caFile,
            ]
            let cli = BuildProducts.executable("postbox")
            let login = { try await runProcess(cli, ["login", "admin", "--password-stdin"], environment: environment, stdin: TestServer.adminPassword + "\n") }

            let release = DispatchSemaphore(value: 0)
            let holder = Task { try await pool.run { release.wait() } }
            while pool.inUse == 0 { try await Task.sleep(for: .milliseconds(5)) }

            // Held throughout: four tries a second apart, then the server's problem.
            let gaveUp = try await login()
            #expect(gaveUp.status == 69, "\(gaveUp.stderr)")
            #expect(gaveUp.stderr.components(separatedBy: "the server is busy; trying again in 1 s").count - 1 == 3)
            #expect(gaveUp.stderr.hasSuffix("postbox: Server busy: the server is checking too many passwords at once; try again in a moment\n"))
            #expect(Self.busyLogins(server) == 4)
            #expect(!FileManager.default.fileExists(atPath: home.file("postbox/credentials")))

            // Released once the first try was refused: a later try logs in.
            let running = Task { try await login() }
            let deadline = ContinuousClock.now + .seconds(30)
            while Self.busyLogins(server) == 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            release.signal()
            try await holder.value
            let result = try await running.value
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "logged in as admin\n")
            #expect(result.stderr.contains("the server is busy; trying again in 1 s"))
            #expect(FileManager.default.fileExists(atPath: home.file("postbox/credentials")))
        }
        try await threads.shutdownGracefully()
    }
}
