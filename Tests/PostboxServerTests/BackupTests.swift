import Foundation
import Postbox
import PostboxTestSupport
import Testing

@testable import PostboxServer

@Suite("Online backup and restore")
struct BackupTests {
    @Test func aBackupTakenWhileServingRestoresWithTheSameKeyFile() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            var bodies: [String] = []
            let ticket = try await world.ticket(by: world.member, kind: "contract", number: World.contract, body: "Nachricht 0")
            bodies.append("Nachricht 0")
            // Writes keep arriving while the copy is taken.
            let writer = Task {
                for i in 1...40 {
                    let body = "Nachricht \(i)"
                    let response = try await server.client.sendJSON(
                        .POST, server.url("/v1/tickets/\(ticket)/messages"), ["body": body], headers: server.bearer(world.member.token))
                    if response.status != 201 { throw ProcessFailure("post failed: \(response.status)") }
                }
            }
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let copy = dir.file("backup.sqlite")
            let summary = try backupDatabase(server.config, to: copy)
            try await writer.value
            #expect(summary.pages > 0)
            let mode = try FileManager.default.attributesOfItem(atPath: copy)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(throws: ConfigurationError.self) { try backupDatabase(server.config, to: copy) }

            // Restore into a new data directory with the same key file and configuration.
            let restored = dir.file("restored")
            try FileManager.default.createDirectory(atPath: restored, withIntermediateDirectories: true)
            for name in ["postbox.json", "master.key"] {
                try FileManager.default.copyItem(atPath: server.config.dataDirectory.file(name), toPath: (restored as NSString).appendingPathComponent(name))
            }
            try FileManager.default.copyItem(atPath: copy, toPath: (restored as NSString).appendingPathComponent("postbox.sqlite"))
            var config = try ServerConfiguration.load(dataDirectory: restored, environment: [:])
            config.passwordHashing = .minimum
            let dependencies = try openDependencies(config)
            #expect(try dependencies.store.integrityCheck() == ["ok"])
            let dpo = Principal(
                userID: world.dpo.id, login: "dora", role: .dpo, organisationID: nil, sessionID: "restore",
                consentVersion: config.termsVersion)
            let read = try await dependencies.tickets.messagePage(
                ticketID: ticket, before: nil, limit: 100, by: dpo, ipPrefix: nil)
            guard case .page(let messages, _) = read else {
                Issue.record("a read without a version to compare is never unchanged")
                return
            }
            #expect(messages.count >= 1, "at least what was committed before the copy")
            #expect(messages.allSatisfy { $0.body.hasPrefix("Nachricht ") }, "every message decrypts")
            #expect(messages.map(\.seq) == Array(1...messages.count), "a consistent prefix, no gaps")
            #expect(try await GRDBAuditLog(store: dependencies.store).verify().ok)
        }
    }
}
