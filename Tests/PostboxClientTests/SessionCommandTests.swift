import Foundation
import PostboxTestSupport
import Testing

@Suite("postbox login, whoami and logout against a live server")
struct SessionCommandTests {
    let cli = BuildProducts.executable("postbox")

    /// Activates the admin of `server` over verified TLS and returns its password.
    func activateAdmin(_ server: ServerProcess) async throws -> String {
        let client = try TestHTTPClient.make(trustingCAPEM: try String(contentsOfFile: server.caFile, encoding: .utf8))
        let password = "cli passphrase 2026"
        let response = try await client.sendJSON(
            .POST, server.baseURL + "/v1/activate",
            ["login": server.adminLogin, "activationCode": server.activationCode, "password": password])
        try await client.shutdown()
        guard response.status == 200 else { throw ProcessFailure("activation failed") }
        return password
    }

    @Test func loginStoresAPrivateTokenThatWhoamiAndLogoutUse() async throws {
        let server = try await ServerProcess.start()
        defer { server.stop() }
        let password = try await activateAdmin(server)
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let env = ["XDG_CONFIG_HOME": home.path, "POSTBOX_SERVER": server.baseURL, "POSTBOX_CA": server.caFile]

        let wrong = try await runProcess(cli, ["login", "admin", "--password-stdin"], environment: env, stdin: "nope nope nope\n")
        #expect(wrong.status == 77)
        #expect(wrong.stderr.hasPrefix("postbox: Login failed"))

        let login = try await runProcess(cli, ["login", "admin", "--password-stdin"], environment: env, stdin: password + "\n")
        #expect(login.status == 0, "\(login.stderr)")
        let file = home.file("postbox/credentials")
        let mode = { (path: String) in (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1 }
        #expect(mode(file) == 0o600)
        #expect(mode(home.file("postbox")) == 0o700)
        #expect(!(try String(contentsOfFile: file, encoding: .utf8)).contains(password))

        let whoami = try await runProcess(cli, ["whoami"], environment: env)
        #expect(whoami.status == 0)
        #expect(whoami.stdout.hasPrefix("admin (admin)"))
        let json = try await runProcess(cli, ["whoami", "--json"], environment: env)
        let me = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(me["role"] as? String == "admin")

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let insecure = try await runProcess(cli, ["whoami"], environment: env)
        #expect(insecure.status == 77)
        #expect(insecure.stderr.contains("Insecure credentials file"))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)

        let logout = try await runProcess(cli, ["logout"], environment: env)
        #expect(logout.status == 0)
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(try await runProcess(cli, ["whoami"], environment: env).status == 77)
        #expect(server.log.contains("http.route=/v1/session") || server.log.contains("/v1/session"))
        #expect(!server.log.contains(password), "the password is never logged")
    }

    /// With mutual TLS for staff on, the CLI works with the certificate `certs issue` wrote for the
    /// login, and is refused with a clear message without it.
    @Test func staffUseTheCertificateIssuedForThem() async throws {
        let server = try await ServerProcess.start(environment: ["POSTBOX_STAFF_CLIENT_CERTIFICATES": "on"])
        defer { server.stop() }
        let password = try await activateAdmin(server)
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let issued = try await runProcess(
            BuildProducts.executable("postbox-server"),
            ["certs", "issue", "--data-dir", server.dataDirectory, "--login", server.adminLogin, "--out", home.path])
        #expect(issued.status == 0, "\(issued.stderr)")
        let (certificate, key) = (home.file("\(server.adminLogin).pem"), home.file("\(server.adminLogin)-key.pem"))
        #expect((try? FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int) == 0o600)
        let env = ["XDG_CONFIG_HOME": home.path, "POSTBOX_SERVER": server.baseURL, "POSTBOX_CA": server.caFile]

        let login = try await runProcess(cli, ["login", "admin", "--password-stdin"], environment: env, stdin: password + "\n")
        #expect(login.status == 0, "\(login.stderr)")
        let without = try await runProcess(cli, ["users", "list"], environment: env)
        #expect(without.status != 0)
        #expect(without.stderr.contains("Client certificate required"), "\(without.stderr)")
        let with = try await runProcess(
            cli, ["users", "list"], environment: env.merging(["POSTBOX_CLIENT_CERT": certificate, "POSTBOX_CLIENT_KEY": key]) { $1 })
        #expect(with.status == 0, "\(with.stderr)")
        #expect(with.stdout.contains(server.adminLogin))
        // Issuing again does not overwrite the key handed out.
        let again = try await runProcess(
            BuildProducts.executable("postbox-server"),
            ["certs", "issue", "--data-dir", server.dataDirectory, "--login", server.adminLogin, "--out", home.path])
        #expect(again.status == 78)
        #expect(again.stderr.contains("exists; nothing was written"))
        // A login that is not a login is refused before anything is written.
        let bad = try await runProcess(
            BuildProducts.executable("postbox-server"),
            ["certs", "issue", "--data-dir", server.dataDirectory, "--login", "../admin", "--out", home.path])
        #expect(bad.status == 64)
    }
}
