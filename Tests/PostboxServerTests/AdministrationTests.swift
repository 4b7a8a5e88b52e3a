import Foundation
import GRDB
import Postbox
import PostboxTestSupport
import Testing

@testable import PostboxServer

@Suite("Users, organisations and the audit chain over TLS")
struct AdministrationTests {
    @Test func adminsManageUsersAndOrganisationsAndOthersAreForbidden() async throws {
        try await TestServer.run { server in
            let admin = try await server.adminToken()
            let org = try await server.client.sendJSON(
                .POST, server.url("/v1/organisations"), ["name": "Makler Müller GmbH", "partnerNumber": "P-1001"],
                headers: server.bearer(admin))
            #expect(org.status == 201)
            let orgID = try #require(try org.json()["id"] as? String)
            let duplicate = try await server.client.sendJSON(
                .POST, server.url("/v1/organisations"), ["name": "Other", "partnerNumber": "P-1001"],
                headers: server.bearer(admin))
            #expect(duplicate.status == 409)

            let brokerWithoutOrg = try await server.client.sendJSON(
                .POST, server.url("/v1/users"), ["login": "bob", "role": "broker", "displayName": "Bob"],
                headers: server.bearer(admin))
            #expect(brokerWithoutOrg.status == 422)
            let badRole = try await server.client.sendJSON(
                .POST, server.url("/v1/users"), ["login": "bob", "role": "king", "displayName": "Bob"],
                headers: server.bearer(admin))
            #expect(badRole.status == 422)

            let broker = try await server.makeUser("bob", role: "broker", adminToken: admin, organisationId: orgID)
            let takenLogin = try await server.client.sendJSON(
                .POST, server.url("/v1/users"), ["login": "bob", "role": "advisor", "displayName": "B"],
                headers: server.bearer(admin))
            #expect(takenLogin.status == 409)

            for (method, path) in [("POST", "/v1/users"), ("GET", "/v1/users"), ("POST", "/v1/organisations")] {
                let response =
                    method == "GET"
                    ? try await server.client.send(.GET, server.url(path), headers: server.bearer(broker.token))
                    : try await server.client.sendJSON(
                        .POST, server.url(path), ["login": "x", "role": "admin", "displayName": "x", "name": "x",
                                                  "partnerNumber": "x"], headers: server.bearer(broker.token))
                #expect(response.status == 403, "\(method) \(path) as broker")
            }

            let list = try await server.client.send(.GET, server.url("/v1/users"), headers: server.bearer(admin))
            let items = try #require(try list.json()["items"] as? [[String: Any]])
            let bob = try #require(items.first { $0["login"] as? String == "bob" })
            #expect(bob["organisationId"] as? String == orgID)
            #expect((bob["lastTransaction"] as? [String: Any])?["action"] as? String == "consent.accept")
        }
    }

    /// Found by the contract fuzzing: an organisation name with C1 control characters, 201 code
    /// points long with a leading newline, was stored (trimmed to 200, controls kept).
    @Test func namesWithControlCharactersOrOverTheDocumentedLengthAreRefused() async throws {
        try await TestServer.run { server in
            let admin = try await server.adminToken()
            let tooLong = "\n" + String(repeating: "*", count: 200)
            for (i, name) in ["Makler\u{8C} GmbH", "Makler\u{92}", tooLong, "   ", "Zeile\nzwei"].enumerated() {
                let response = try await server.client.sendJSON(
                    .POST, server.url("/v1/organisations"), ["name": name, "partnerNumber": "P-\(i)"],
                    headers: server.bearer(admin))
                #expect(response.status == 422, "\(name.debugDescription)")
            }
            let fits = try await server.client.sendJSON(
                .POST, server.url("/v1/organisations"), ["name": " " + String(repeating: "m", count: 199), "partnerNumber": "P-9"],
                headers: server.bearer(admin))
            #expect(fits.status == 201)
            #expect(try fits.json()["name"] as? String == String(repeating: "m", count: 199))
            for displayName in ["Bo\u{85}b", "\t" + String(repeating: "b", count: 200)] {
                let response = try await server.client.sendJSON(
                    .POST, server.url("/v1/users"), ["login": "bob", "role": "advisor", "displayName": displayName],
                    headers: server.bearer(admin))
                #expect(response.status == 422, "\(displayName.debugDescription)")
            }
        }
    }

    @Test func disablingAUserEndsTheirSessionsAndAdminsCannotDisableThemselves() async throws {
        try await TestServer.run { server in
            let admin = try await server.adminToken()
            let clerk = try await server.makeUser("clerk", role: "advisor", adminToken: admin)
            let disable = try await server.client.sendJSON(
                .PATCH, server.url("/v1/users/\(clerk.id)"), ["status": "disabled"], headers: server.bearer(admin))
            #expect(disable.status == 200)
            #expect(try disable.json()["status"] as? String == "disabled")
            #expect(try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(clerk.token)).status == 401)
            let enable = try await server.client.sendJSON(
                .PATCH, server.url("/v1/users/\(clerk.id)"), ["status": "active", "role": "dpo"],
                headers: server.bearer(admin))
            #expect(try enable.json()["role"] as? String == "dpo")
            #expect(try await server.login("clerk", "passphrase of clerk 1").count == 43)

            let me = try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(admin))
            let adminID = try #require(try me.json()["id"] as? String)
            let selfDisable = try await server.client.sendJSON(
                .PATCH, server.url("/v1/users/\(adminID)"), ["status": "disabled"], headers: server.bearer(admin))
            #expect(selfDisable.status == 409)
            let missing = try await server.client.sendJSON(
                .PATCH, server.url("/v1/users/nope"), ["status": "disabled"], headers: server.bearer(admin))
            #expect(missing.status == 404)
        }
    }

    /// Sessions are cached between requests (SessionCache): a role change must still apply to
    /// the very next request of a session that was just used, in both directions.
    @Test func aRoleChangeAppliesToTheNextRequestOfASessionInUse() async throws {
        try await TestServer.run { server in
            let admin = try await server.adminToken()
            let clerk = try await server.makeUser("clerk", role: "advisor", adminToken: admin)
            for _ in 0..<3 {
                #expect(try await server.client.send(.GET, server.url("/v1/audit"), headers: server.bearer(clerk.token)).status == 403)
            }
            let promote = try await server.client.sendJSON(
                .PATCH, server.url("/v1/users/\(clerk.id)"), ["role": "dpo"], headers: server.bearer(admin))
            #expect(promote.status == 200)
            let me = try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(clerk.token))
            #expect(try me.json()["role"] as? String == "dpo")
            #expect(try await server.client.send(.GET, server.url("/v1/audit"), headers: server.bearer(clerk.token)).status == 200)

            let demote = try await server.client.sendJSON(
                .PATCH, server.url("/v1/users/\(clerk.id)"), ["role": "advisor"], headers: server.bearer(admin))
            #expect(demote.status == 200)
            #expect(try await server.client.send(.GET, server.url("/v1/audit"), headers: server.bearer(clerk.token)).status == 403)
        }
    }

    @Test func theAuditChainVerifiesAndDetectsAnAlteredRow() async throws {
        try await TestServer.run { server in
            let admin = try await server.adminToken()
            let dpo = try await server.makeUser("dora", role: "dpo", adminToken: admin)
            _ = try await server.client.sendJSON(
                .POST, server.url("/v1/session"), ["login": "admin", "password": "definitely wrong pw"])

            let events = try await server.client.send(
                .GET, server.url("/v1/audit?action=session.login-failed"), headers: server.bearer(dpo.token))
            #expect(events.status == 200)
            let failed = try #require((try events.json()["items"] as? [[String: Any]])?.first)
            #expect(failed["objectType"] as? String == "login")
            #expect(failed["objectId"] as? String != "admin", "attempted logins are hashed")
            #expect(failed["ipPrefix"] as? String == "127.0.0.0/24")
            #expect(!String(decoding: events.body, as: UTF8.self).contains(TestServer.adminPassword))

            let member = try await server.makeUser("mia", role: "member", adminToken: admin)
            #expect(
                try await server.client.send(.GET, server.url("/v1/audit"), headers: server.bearer(member.token)).status
                    == 403)

            let verify = try await server.client.send(.GET, server.url("/v1/audit/verify"), headers: server.bearer(dpo.token))
            #expect(try verify.json()["ok"] as? Bool == true)
            let count = try #require(try verify.json()["events"] as? Int)
            #expect(count > 10)

            // Alter one event directly in SQLite, as an intruder with file access would.
            let db = try testDatabase(server.config.databasePath)
            try await db.write { db in
                try db.execute(sql: "UPDATE audit_events SET action = 'session.logout' WHERE seq = 5")
            }
            let broken = try await server.client.send(.GET, server.url("/v1/audit/verify"), headers: server.bearer(dpo.token))
            #expect(try broken.json()["ok"] as? Bool == false)
            #expect(try broken.json()["firstBrokenSeq"] as? Int == 5)

            let cli = try await runProcess(
                BuildProducts.executable("postbox-server"),
                ["audit", "verify", "--data-dir", server.config.dataDirectory.path])
            #expect(cli.status == 1)
            #expect(cli.stdout.contains("BROKEN at event 5"))
        }
    }

    @Test func deletingAnEventBreaksTheChain() async throws {
        try await TestServer.run { server in
            let admin = try await server.adminToken()
            _ = try await server.makeUser("dora", role: "dpo", adminToken: admin)
            let db = try testDatabase(server.config.databasePath)
            try await db.write { db in try db.execute(sql: "DELETE FROM audit_events WHERE seq = 3") }
            let cli = try await runProcess(
                BuildProducts.executable("postbox-server"),
                ["audit", "verify", "--data-dir", server.config.dataDirectory.path, "--json"])
            #expect(cli.status == 1)
            #expect(cli.stdout.contains(#""firstBrokenSeq":4"#))
        }
    }

    @Test func removingTheNewestEventsIsCaughtByAnAnchorKeptElsewhere() async throws {
        try await TestServer.run { server in
            let admin = try await server.adminToken()
            let dpo = try await server.makeUser("dora", role: "dpo", adminToken: admin)
            let first = try await server.client.send(.GET, server.url("/v1/audit/verify"), headers: server.bearer(dpo.token))
            let head = try #require(try first.json()["head"] as? String)
            let anchor = try #require(AuditAnchor(head))
            #expect(anchor.seq == Int64(try first.json()["events"] as? Int ?? 0))
            // The retention service logs the same head after its runs (for logs shipped elsewhere).
            let dependencies = try openDependencies(server.config)
            let recorder = LogRecorder()
            await RetentionService(
                subjects: dependencies.subjects, audit: dependencies.audit, interval: .seconds(60),
                logger: recorder.logger()
            ).logHead()
            #expect(recorder.recorded == ["notice audit head audit.head=\(head)"])

            // The anchor holds while the log grows.
            _ = try await server.makeUser("ben", role: "advisor", adminToken: admin)
            let later = try await server.client.send(
                .GET, server.url("/v1/audit/verify?anchor=\(head)"), headers: server.bearer(dpo.token))
            #expect(try later.json()["ok"] as? Bool == true)
            #expect(try later.json()["head"] as? String != head)

            // An intruder removes the newest events: the chain left verifies, the anchor does not.
            try await testDatabase(server.config.databasePath).write { db in
                try db.execute(sql: "DELETE FROM audit_events WHERE seq >= ?", arguments: [anchor.seq - 1])
            }
            let plain = try await server.client.send(.GET, server.url("/v1/audit/verify"), headers: server.bearer(dpo.token))
            #expect(try plain.json()["ok"] as? Bool == true, "a shortened chain still verifies on its own")
            let anchored = try await server.client.send(
                .GET, server.url("/v1/audit/verify?anchor=\(head)"), headers: server.bearer(dpo.token))
            #expect(try anchored.json()["ok"] as? Bool == false)
            #expect(try anchored.json()["firstBrokenSeq"] as? Int == Int(anchor.seq - 1))
            let cli = try await runProcess(
                BuildProducts.executable("postbox-server"),
                ["audit", "verify", "--data-dir", server.config.dataDirectory.path, "--anchor", head])
            #expect(cli.status == 1)
            #expect(cli.stdout.contains("event \(anchor.seq) was anchored: newer events were removed"))

            // An anchor whose hash differs (a chain rebuilt from there) fails at its event.
            let earlier = try #require(AuditAnchor("\(anchor.seq - 3):\(String(repeating: "0", count: 64))"))
            let rewritten = try await server.client.send(
                .GET, server.url("/v1/audit/verify?anchor=\(earlier)"), headers: server.bearer(dpo.token))
            #expect(try rewritten.json()["ok"] as? Bool == false)
            #expect(try rewritten.json()["firstBrokenSeq"] as? Int == Int(anchor.seq - 3))
            let malformed = try await server.client.send(
                .GET, server.url("/v1/audit/verify?anchor=12:zz"), headers: server.bearer(dpo.token))
            #expect(malformed.status == 422)
        }
    }
}
