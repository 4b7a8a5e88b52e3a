import Foundation
import Postbox
import PostboxTestSupport
import Testing

/// The `postbox` executable against a real `postbox-server` process over verified TLS.
@Suite("postbox CLI against a live server")
struct HealthCommandTests {
    let cli = BuildProducts.executable("postbox")

    @Test func healthSucceedsWhenTrustingTheServersCA() async throws {
        let server = try await ServerProcess.start()
        defer { server.stop() }
        let result = try await runProcess(cli, ["health", "--server", server.baseURL, "--ca", server.caFile])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains(#""status":"ok""#))

        let viaEnvironment = try await runProcess(
            cli, ["health"], environment: ["POSTBOX_SERVER": server.baseURL, "POSTBOX_CA": server.caFile])
        #expect(viaEnvironment.status == 0)
    }

    @Test func anotherCAIsNotTrustedAndExitsWith69() async throws {
        let server = try await ServerProcess.start()
        defer { server.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let otherCA = dir.file("other-ca.pem")
        try DevCAFile.write(to: otherCA)
        let result = try await runProcess(cli, ["health", "--server", server.baseURL, "--ca", otherCA])
        #expect(result.status == 69)
        #expect(result.stderr.hasPrefix("postbox: Server unreachable: TLS failed"))
        #expect(result.stderr.split(separator: "\n").count == 1, "one line on stderr")
    }

    @Test func missingServerOrPlainHTTPIsAUsageError() async throws {
        let missing = try await runProcess(cli, ["health", "--ca", "/nonexistent"], environment: ["POSTBOX_SERVER": ""])
        #expect(missing.status == 64)
        let plain = try await runProcess(cli, ["health", "--server", "http://localhost:1", "--ca", "/x"])
        #expect(plain.status == 64)
        #expect(plain.stderr.contains("https://"))
    }

    /// A second server on a port that is taken says so in one line and exits 78, without the
    /// socket call's internals.
    @Test func aPortInUseIsOneClearLineAndExit78() async throws {
        let server = try await ServerProcess.start()
        defer { server.stop() }
        let port = try #require(server.baseURL.split(separator: ":").last)
        let second = try await runProcess(
            BuildProducts.executable("postbox-server"),
            ["serve", "--data-dir", server.dataDirectory, "--host", "127.0.0.1", "--port", String(port)])
        #expect(second.status == 78)
        let lines = second.stderr.split(separator: "\n").filter { !$0.contains(" info ") && !$0.contains(" notice ") }
        #expect(lines == ["postbox-server: cannot listen on 127.0.0.1:\(port): address already in use"], "\(second.stderr)")
        #expect(!second.stderr.contains("bind("))
    }

    @Test func theServerStopsGracefullyOnSIGTERM() async throws {
        let server = try await ServerProcess.start()
        let status = server.stop()
        #expect(status == 0)
    }
}


enum DevCAFile {
    static func write(to path: String) throws {
        try Data(try DevCertificateAuthority(commonName: "Other CA").certificatePEM.utf8).write(to: URL(fileURLWithPath: path))
    }
}
