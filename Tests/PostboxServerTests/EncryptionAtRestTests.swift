import Foundation
import GRDB
import Postbox
import PostboxTestSupport
import Testing

@testable import PostboxServer

@Suite("Content is encrypted at rest, survives key rotation, and cannot be moved")
struct EncryptionAtRestTests {
    @Test func aMarkerIsAbsentFromTheDatabaseItsWALAndTheLogs() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let marker = "ZEBRAMARKER-4711"
            let referral = try await world.referral(
                by: world.brokerA, extra: ["consent": true, "remarks": "Bemerkung \(marker)"])
            let ticket = try await world.ticket(
                by: world.brokerA, kind: "referral", number: referral, subject: "Betreff \(marker)", body: "Text \(marker)")
            _ = try server.expectStatus(201, try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticket)/messages"), ["body": "Antwort \(marker)"],
                headers: server.bearer(world.advisor.token)))
            // Readable through the API …
            let read = try await server.client.send(.GET, server.url("/v1/tickets/\(ticket)/messages"), headers: server.bearer(world.advisor.token))
            #expect(String(decoding: read.body, as: UTF8.self).contains(marker))

            // … but not in the files or the logs.
            let path = server.config.databasePath
            let needle = Data(marker.utf8)
            let bytes = { (p: String) in FileManager.default.contents(atPath: p) ?? Data() }
            #expect(bytes(path + "-wal").count > 0, "the WAL holds the recent writes")
            #expect(bytes(path + "-wal").range(of: needle) == nil)
            #expect(bytes(path).range(of: needle) == nil)
            // The server's checkpointer may hold the file for a moment: testDatabase waits for it.
            _ = try await testDatabase(path).writeWithoutTransaction { try $0.checkpoint(.full) }
            #expect(bytes(path).range(of: needle) == nil)
            #expect(bytes(path + "-wal").range(of: needle) == nil)
            #expect(bytes(path).range(of: Data("broker.a".utf8)) != nil, "the scan does find clear text (logins)")
            let logs = server.logs.recorded.joined(separator: "\n")
            #expect(!logs.isEmpty)
            #expect(!logs.contains(marker))
            #expect(!logs.contains("Schmidt"), "no personal data in logs")
        }
    }

    @Test func afterKeyRotationEverythingStillReads() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let ticket = try await world.ticket(by: world.member, kind: "contract", number: World.contract, subject: "Vor der Rotation")
            let referral = try await world.referral(by: world.brokerA)

            let summary = try rotateMasterKey(server.config)
            #expect(summary.rewrapped > 5)
            let ring = try KeyFile.load(path: server.config.keyFilePath)
            #expect(ring.entries.count == 2)
            #expect(ring.active.id == summary.newKeyID)
            let (oldWrapped, retired) = try await testDatabase(server.config.databasePath).read { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM data_keys WHERE master_key_id <> ?", arguments: [summary.newKeyID]),
                 try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM master_keys WHERE retired_at IS NOT NULL"))
            }
            #expect(oldWrapped == 0)
            #expect(retired == 1)

            // The running server picks up the new key.
            let t = try await server.client.send(.GET, server.url("/v1/tickets/\(ticket)"), headers: server.bearer(world.member.token))
            #expect(t.status == 200)
            #expect(try t.json()["subject"] as? String == "Vor der Rotation")
            #expect(try await server.client.send(.GET, server.url("/v1/referrals/\(referral)"), headers: server.bearer(world.advisor.token)).status == 200)
            #expect(try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(world.member.token)).status == 200)
            // New data is written under the new key, and a fresh start reads everything with the new file.
            _ = try await world.ticket(by: world.member, kind: "contract", number: World.contract, subject: "Nach der Rotation")
            let fresh = try openDependencies(server.config)
            let principal = Principal(
                userID: world.dpo.id, login: "dora", role: .dpo, organisationID: nil, sessionID: "x",
                consentVersion: server.config.termsVersion)
            let all = try await fresh.tickets.list(by: principal, status: nil, cursor: nil, limit: 100)
            #expect(Set(all.tickets.map(\.title)) == ["Vor der Rotation", "Nach der Rotation"])
            #expect(try await GRDBAuditLog(store: fresh.store).verify().ok)
        }
    }

    @Test func aCiphertextCopiedIntoAnotherRowFailsWithAClearError() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let ticket = try await world.ticket(by: world.member, kind: "contract", number: World.contract, body: "erste")
            _ = try server.expectStatus(201, try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticket)/messages"), ["body": "zweite"], headers: server.bearer(world.member.token)))
            try await testDatabase(server.config.databasePath).write { db in
                try db.execute(
                    sql: """
                        UPDATE messages SET body = (SELECT body FROM messages WHERE ticket_id = ? AND seq = 1)
                        WHERE ticket_id = ? AND seq = 2
                        """, arguments: [ticket, ticket])
            }
            let read = try await server.client.send(.GET, server.url("/v1/tickets/\(ticket)/messages"), headers: server.bearer(world.member.token))
            #expect(read.status == 500)
            #expect(try read.json()["type"] as? String == "urn:postbox:problem:data-integrity")
            #expect(!String(decoding: read.body, as: UTF8.self).contains("erste"))
            #expect(server.logs.recorded.contains { $0.contains("problem.type=urn:postbox:problem:data-integrity") })
        }
    }
}
