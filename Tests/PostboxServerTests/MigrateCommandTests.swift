import Foundation
import GRDB
import PostboxTestSupport
import Testing

@testable import Postbox

@Suite("postbox-server migrate: what is pending, applying it, and a newer schema refused")
struct MigrateCommandTests {
    struct Report: Decodable, Equatable {
        let applied: [String]
        let pending: [String]
        let unknown: [String]
        let appliedNow: [String]?
    }

    func migrate(_ dataDir: String, _ extra: [String] = []) async throws -> (ProcessResult, Report?) {
        let result = try await runProcess(
            BuildProducts.executable("postbox-server"), ["migrate", "--data-dir", dataDir, "--json"] + extra)
        return (result, try? JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)))
    }

    @Test func migrateSaysWhatIsPendingAppliesItAndRefusesANewerSchema() async throws {
        let work = try TemporaryDirectory()
        defer { work.remove() }
        let dataDir = work.file("data")
        let server = BuildProducts.executable("postbox-server")
        #expect(try await runProcess(server, ["init", "--data-dir", dataDir, "--json"]).status == 0)

        // The database an older server left: the schema up to v7.
        let database = dataDir + "/postbox.sqlite"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        let all = PostboxMigrations.migrator.migrations
        let older = try DatabaseQueue(path: database)
        try PostboxMigrations.migrator.migrate(older, upTo: "v7-ticket-scope-copies")
        try older.close()

        let (status, report) = try await migrate(dataDir, ["--status"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(report == Report(applied: Array(all.dropLast()), pending: [all.last!], unknown: [], appliedNow: nil))
        let (again, unchanged) = try await migrate(dataDir, ["--status"])
        #expect(again.status == 0 && unchanged?.pending == [all.last!], "--status changes nothing")

        let (applied, appliedReport) = try await migrate(dataDir)
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(appliedReport == Report(applied: all, pending: [], unknown: [], appliedNow: ["v8-ticket-versions"]))
        let (twice, twiceReport) = try await migrate(dataDir)
        #expect(twice.status == 0 && twiceReport?.appliedNow == [])

        // A newer server migrated it further: this one neither serves nor migrates it.
        let newer = try DatabaseQueue(path: database)
        try await newer.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-a-newer-server')")
        }
        try newer.close()
        let (refused, _) = try await migrate(dataDir)
        #expect(refused.status == 78)
        #expect(refused.stderr.contains("newer postbox-server"), "\(refused.stderr)")
        let serve = try await runProcess(server, ["serve", "--data-dir", dataDir, "--port", "0"])
        #expect(serve.status == 78)
        #expect(serve.stderr.contains("v99-from-a-newer-server"), "\(serve.stderr)")
        let (newerStatus, newerReport) = try await migrate(dataDir, ["--status"])
        #expect(newerStatus.status == 0)
        #expect(newerReport?.unknown == ["v99-from-a-newer-server"])
    }
}
