import AsyncHTTPClient
import Foundation
import GRDB
import PostboxTestSupport
import Synchronization
import Testing

/// Every 201 is durable: the server is killed with SIGKILL while messages are being posted,
/// restarted, and every acknowledged message must be there and decrypt.
@Suite("Crash durability under SIGKILL")
struct CrashDurabilityTests {
    static let kills = Int(ProcessInfo.processInfo.environment["POSTBOX_CRASH_KILLS"] ?? "") ?? 40
    static let posters = 8

    static func token(_ http: HTTPClient, _ base: String, _ login: String, _ password: String) async throws -> String {
        let response = try await http.sendJSON(.POST, base + "/v1/session", ["login": login, "password": password])
        guard let token = try response.json()["token"] as? String else { throw ProcessFailure("login \(login): \(response.status)") }
        return token
    }

    @Test func everyAcknowledgedMessageSurvivesKills() async throws {
        let first = try await ServerProcess.start(environment: ["POSTBOX_ENTRIES_PER_MINUTE": "0"])
        defer { first.stop() }
        let http = try TestHTTPClient.make(trustingCAPEM: try String(contentsOfFile: first.caFile, encoding: .utf8))
        do {
            try await run(first, http)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    func run(_ first: ServerProcess, _ http: HTTPClient) async throws {
        var server = first
        defer { server.kill() }  // never leave a restarted server behind
        let base = { server.baseURL }
        // Set up: the admin, an advisor with the terms accepted, a contract and a ticket.
        _ = try await http.sendJSON(
            .POST, base() + "/v1/activate",
            ["login": "admin", "activationCode": first.activationCode, "password": "crash test admin 2026"])
        let admin = try await Self.token(http, base(), "admin", "crash test admin 2026")
        let created = try await http.sendJSON(
            .POST, base() + "/v1/users", ["login": "writer", "role": "advisor", "displayName": "Writer"],
            headers: [("Authorization", "Bearer \(admin)")])
        let code = try #require(try created.json()["activationCode"] as? String)
        _ = try await http.sendJSON(
            .POST, base() + "/v1/activate", ["login": "writer", "activationCode": code, "password": "crash test writer 2026"])
        let token = try await Self.token(http, base(), "writer", "crash test writer 2026")
        let auth = [("Authorization", "Bearer \(token)")]
        _ = try await http.sendJSON(.POST, base() + "/v1/me/consent", ["version": "2026-11"], headers: auth)
        _ = try await http.sendJSON(.POST, base() + "/v1/contracts", ["number": "CRASH-1", "holder": ["surname": "Muster"]], headers: auth)
        let opened = try await http.sendJSON(
            .POST, base() + "/v1/tickets",
            ["reference": ["kind": "contract", "number": "CRASH-1"], "subject": "Crash", "body": "start"], headers: auth)
        let ticket = try #require((try opened.json()["ticket"] as? [String: Any])?["id"] as? String)

        let acknowledged = Acknowledged()
        var attempted = 0
        for round in 0..<Self.kills {
            let url = base() + "/v1/tickets/\(ticket)/messages"
            let posters = (0..<Self.posters).map { poster in
                Task {
                    var n = 0
                    while !Task.isCancelled {
                        let body = "r\(round)-p\(poster)-\(n)"
                        n += 1
                        guard let response = try? await http.sendJSON(.POST, url, ["body": body], headers: auth) else { break }
                        if response.status == 201 { acknowledged.insert(body) }
                    }
                    return n
                }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 40...250)))
            server.kill()
            for poster in posters { attempted += await poster.value }
            server = try await server.restart()
        }

        // Every acknowledged message is there and decrypts (read back through the API).
        var stored: Set<String> = []
        var before: Int?
        repeat {
            var path = base() + "/v1/tickets/\(ticket)/messages?limit=100"
            if let before { path += "&before=\(before)" }
            let page = try await http.send(.GET, path, headers: auth)
            #expect(page.status == 200)
            let json = try page.json()
            for item in json["items"] as? [[String: Any]] ?? [] { if let body = item["body"] as? String { stored.insert(body) } }
            before = json["nextBefore"] as? Int
        } while before != nil
        let expected = acknowledged.all
        #expect(expected.count > Self.kills, "messages were acknowledged between kills (\(expected.count))")
        #expect(expected.subtracting(stored).isEmpty, "lost after SIGKILL: \(expected.subtracting(stored).prefix(5))")
        print("crash durability: \(Self.kills) kills, \(attempted) posts attempted, \(expected.count) acknowledged, \(stored.count) stored and read back")

        // The file is sound and the audit chain verifies.
        server.kill()
        let database = (first.dataDirectory as NSString).appendingPathComponent("postbox.sqlite")
        let check = try await testDatabase(database).read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        #expect(check == ["ok"])
        let verify = try await runProcess(BuildProducts.executable("postbox-server"), ["audit", "verify", "--data-dir", first.dataDirectory])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }
}

/// Bodies the server answered 201 for, from concurrent posters.
final class Acknowledged: Sendable {
    private let bodies = Mutex<Set<String>>(["start"])
    func insert(_ body: String) { bodies.withLock { _ = $0.insert(body) } }
    var all: Set<String> { bodies.withLock { $0 } }
}

/// A connection of the test's own to a server's live database. It waits for a busy file as the
/// server's connections do (10 s): without, a lock held for a moment by the server failed tests
/// under the full suite's load ("database is locked").
func testDatabase(_ path: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    return try DatabaseQueue(path: path, configuration: configuration)
}
