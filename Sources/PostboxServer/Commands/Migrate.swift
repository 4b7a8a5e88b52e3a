import ArgumentParser
import Foundation
import Postbox

extension PostboxServerCommand {
    /// `postbox-server migrate`: brings the database's schema up to this build, or says where it stands.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the schema migrations this version brings (serve applies them when it starts).",
            discussion: """
                Run it after installing a new version and before starting it, to see the migrations run on their
                own (a large store takes a while) and to keep a backup made just before. Checks the master key as
                serve does. With --status, only says which migrations are applied and which are pending, without
                the key and without changing anything. A database a newer version migrated is refused (exit 78).
                """)

        @OptionGroup var data: DataDirectoryOptions
        @Flag(help: "Say what is applied and what is pending; change nothing.") var status = false
        @Flag(help: "Print the report as JSON.") var json = false

        struct Report: Encodable {
            let applied: [String]
            let pending: [String]
            let unknown: [String]
            /// The migrations this run applied (absent with --status).
            let appliedNow: [String]?
        }

        func run() async throws {
            restrictFileCreationMode()
            let report = try await withStartupErrors {
                let config = try ServerConfiguration.load(
                    dataDirectory: data.path, environment: ProcessInfo.processInfo.environment)
                guard FileManager.default.fileExists(atPath: config.databasePath) else {
                    throw ConfigurationError("no database at \(config.databasePath)")
                }
                let before = try PostboxStore.schemaStatus(path: config.databasePath)
                if status {
                    return Report(applied: before.applied, pending: before.pending, unknown: before.unknown, appliedNow: nil)
                }
                // Opening migrates, after checking the key and refusing a newer schema.
                let keyRing = try KeyFile.loadKeyRing(path: config.keyFilePath, environment: config.environment)
                _ = try PostboxStore.open(path: config.databasePath, keyRing: keyRing, configuration: config.store)
                let after = try PostboxStore.schemaStatus(path: config.databasePath)
                return Report(
                    applied: after.applied, pending: after.pending, unknown: after.unknown,
                    appliedNow: after.applied.filter { !before.applied.contains($0) })
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            if let appliedNow = report.appliedNow {
                print(appliedNow.isEmpty ? "nothing to apply" : "applied: \(appliedNow.joined(separator: ", "))")
            }
            let latest = report.applied.last ?? "none"
            print("schema: \(report.applied.count) migrations applied (latest \(latest)), \(report.pending.count) pending")
            if !report.pending.isEmpty { print("pending: \(report.pending.joined(separator: ", "))") }
            if !report.unknown.isEmpty {
                print("applied by a newer version, unknown to this one: \(report.unknown.joined(separator: ", "))")
            }
        }
    }
}
