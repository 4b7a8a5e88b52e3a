import Foundation
import Logging
import Postbox
import PostboxTestSupport
import Testing

@testable import PostboxServer

@Suite("Initialisation, startup checks and activation")
struct StartupAndActivationTests {
    func freshConfig(_ dir: TemporaryDirectory) -> ServerConfiguration {
        var config = ServerConfiguration(dataDirectory: dir.file("data"))
        config.passwordHashing = .minimum
        config.port = 0
        return config
    }

    @Test func initMakesAPrivateDirectoryAndRefusesToRunTwice() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = freshConfig(dir)
        let result = try await initialiseDataDirectory(config, adminLogin: "admin")
        let fm = FileManager.default
        let mode = { (path: String) in (try? fm.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1 }
        #expect(mode(config.dataDirectory.path) == 0o700)
        #expect(mode(config.keyFilePath) == 0o600)
        #expect(mode(config.dataDirectory.file("tls/server-key.pem")) == 0o600)
        #expect(result.caFile == config.dataDirectory.file("tls/ca.pem"))
        #expect(result.activationCode.count == 19)

        let keyBefore = fm.contents(atPath: config.keyFilePath)
        let configBefore = fm.contents(atPath: config.dataDirectory.configFile)
        await #expect(throws: ConfigurationError.self) { try await initialiseDataDirectory(config, adminLogin: "admin") }
        #expect(fm.contents(atPath: config.keyFilePath) == keyBefore)
        #expect(fm.contents(atPath: config.dataDirectory.configFile) == configBefore)

        let loaded = try ServerConfiguration.load(dataDirectory: config.dataDirectory.path, environment: [:])
        #expect(loaded.port == config.port)
        #expect(loaded.passwordHashing == .minimum)
        #expect(loaded.store.synchronous == .full)
    }

    @Test func environmentOverridesTheConfigFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = freshConfig(dir)
        _ = try await initialiseDataDirectory(config, adminLogin: "admin")
        let loaded = try ServerConfiguration.load(
            dataDirectory: config.dataDirectory.path,
            environment: [
                "POSTBOX_PORT": "9443", "POSTBOX_DB_SYNCHRONOUS": "normal", "POSTBOX_MAX_BODY_BYTES": "2048",
                "POSTBOX_PAGE_CACHE_MB": "0",
            ])
        #expect(loaded.pageCache.maxMegabytes == 0)
        #expect(loaded.pageCache.maxAgeSeconds == PageCacheSettings().maxAgeSeconds)
        #expect(loaded.port == 9443)
        #expect(loaded.store.synchronous == .normal)
        #expect(loaded.limits.maxRequestBodyBytes == 2048)
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.load(dataDirectory: config.dataDirectory.path, environment: ["POSTBOX_PORT": "x"])
        }
        #expect(throws: ConfigurationError("POSTBOX_PAGE_CACHE_MB must be 0 (off) or positive")) {
            try ServerConfiguration.load(dataDirectory: config.dataDirectory.path, environment: ["POSTBOX_PAGE_CACHE_MB": "-1"])
        }
    }

    @Test func aConfigFileNamesOnlyWhatItChangesAtAnyDepth() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = freshConfig(dir)
        _ = try await initialiseDataDirectory(config, adminLogin: "admin")
        let file = config.dataDirectory.configFile
        func load(_ json: String) throws -> ServerConfiguration {
            try json.write(toFile: file, atomically: true, encoding: .utf8)
            return try ServerConfiguration.load(dataDirectory: config.dataDirectory.path, environment: [:])
        }
        let loaded = try load(
            #"{"tickets": {"reopenWindowDays": 7}, "store": {"synchronous": "NORMAL"}, "tls": {"staffClientCertificates": true}, "sessions": {"idleTimeoutMinutes": 5}}"#
        )
        let defaults = ServerConfiguration(dataDirectory: config.dataDirectory.path)
        #expect(loaded.tickets.reopenWindowDays == 7)
        #expect(loaded.tickets.rectificationWindowHours == defaults.tickets.rectificationWindowHours)
        #expect(loaded.tickets.serviceNumberPrefix == defaults.tickets.serviceNumberPrefix)
        #expect(loaded.store.synchronous == .normal)
        #expect(loaded.store.maximumReaderCount == defaults.store.maximumReaderCount)
        #expect(loaded.tls.staffClientCertificates && loaded.tls.certificateFile == defaults.tls.certificateFile)
        #expect(loaded.sessions.idleTimeoutMinutes == 5 && loaded.sessions.absoluteTimeoutHours == 12)
        #expect(loaded.port == defaults.port && loaded.passwordHashing == defaults.passwordHashing)
        // An empty object is all defaults; a wrong value deep inside is named by its path.
        #expect(try load("{}").tickets == defaults.tickets)
        #expect(throws: ConfigurationError("configuration \(file) is not valid: bad value at tickets.reopenWindowDays")) {
            try load(#"{"tickets": {"reopenWindowDays": "seven"}}"#)
        }
        #expect(throws: ConfigurationError("configuration \(file) is not valid: not a JSON object")) { try load("[1]") }
        // The page cache: written out by init, one key changed keeps the other.
        #expect(defaults.pageCache == PageCacheSettings())
        let smaller = try load(#"{"pageCache": {"maxMegabytes": 8}}"#)
        #expect(smaller.pageCache.maxMegabytes == 8 && smaller.pageCache.maxAgeSeconds == 60)
        #expect(throws: ConfigurationError("pageCache.maxMegabytes and pageCache.maxAgeSeconds must not be negative")) {
            try load(#"{"pageCache": {"maxAgeSeconds": -5}}"#)
        }
    }

    @Test func serverRefusesAMissingAnInsecureOrAWrongKey() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let config = freshConfig(dir)
        _ = try await initialiseDataDirectory(config, adminLogin: "admin")
        let keyFile = config.keyFilePath
        let original = try #require(FileManager.default.contents(atPath: keyFile))
        #expect(throws: Never.self) { try openDependencies(config) }

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile)
        #expect(throws: KeyFileError.insecurePermissions(path: keyFile, mode: 0o644)) { try openDependencies(config) }

        try FileManager.default.removeItem(atPath: keyFile)
        #expect(throws: KeyFileError.missing(path: keyFile)) { try openDependencies(config) }
        #expect(!FileManager.default.fileExists(atPath: keyFile), "no key is made silently")

        try KeyFile.write(try KeyRing(entries: [.init(id: "mk-other", key: .random())]), to: keyFile)
        #expect(throws: StoreError.wrongMasterKey) { try openDependencies(config) }

        try SecureFile.writeAtomically(original, to: keyFile, mode: 0o600)
        #expect(throws: Never.self) { try openDependencies(config) }
    }

    @Test func theFirstAdminActivatesOnceWithItsCode() async throws {
        try await TestServer.run { server in
            let url = server.url("/v1/activate")
            let code = server.initialisation.activationCode
            let password = "a long enough passphrase"

            let weak = try await server.client.sendJSON(
                .POST, url, ["login": "admin", "activationCode": code, "password": "short"])
            #expect(weak.status == 422)

            let wrongCode = try await server.client.sendJSON(
                .POST, url, ["login": "admin", "activationCode": "AAAA-BBBB-CCCC-DDDD", "password": password])
            let unknownLogin = try await server.client.sendJSON(
                .POST, url, ["login": "nobody", "activationCode": code, "password": password])
            #expect(wrongCode.status == 401)
            #expect(wrongCode.body == unknownLogin.body, "unknown login and wrong code look the same")

            let ok = try await server.client.sendJSON(
                .POST, url, ["login": "admin", "activationCode": code.lowercased(), "password": password])
            #expect(ok.status == 200)
            #expect(try ok.json()["status"] as? String == "active")
            #expect(try ok.json()["role"] as? String == "admin")

            let again = try await server.client.sendJSON(
                .POST, url, ["login": "admin", "activationCode": code, "password": password])
            #expect(again.status == 409)

            let logged = server.logs.recorded.joined(separator: "\n")
            #expect(!logged.contains(code), "activation codes are never logged")
            #expect(!logged.contains(password), "passwords are never logged")
            #expect(logged.contains("client.ip=127.0.0.0/24"), "client addresses are logged shortened")
            #expect(!logged.contains("client.ip=127.0.0.1"))
        }
    }

    @Test func anExpiredActivationCodeIsGone() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var config = freshConfig(dir)
        config.activationValidityDays = 0
        let result = try await initialiseDataDirectory(config, adminLogin: "admin")
        let deps = try openDependencies(config)
        await #expect(throws: PostboxError(.gone, detail: "the activation code has expired; ask for a new one")) {
            try await deps.accounts.activate(
                login: "admin", activationCode: result.activationCode, password: "a long enough passphrase",
                ipPrefix: nil)
        }
    }
}
