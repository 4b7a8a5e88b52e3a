import ArgumentParser
import Foundation
import Postbox

extension PostboxServerCommand {
    /// `postbox-server backup --data-dir DIR FILE`: a consistent copy of the database while serving.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the database consistently (SQLite online backup), also while the server runs.",
            discussion: """
                The copy is as encrypted as the database: it is useless without the master key, and the master key is
                not in it. Keep backups and the key file apart (see docs/SECURITY.md). The copy is written with mode 0600
                and checked with PRAGMA integrity_check. Restore: stop the server, put the copy in place of postbox.sqlite
                (removing postbox.sqlite-wal and -shm), start with the same key file.
                Example: postbox-server backup --data-dir /var/lib/postbox /backup/postbox-2026-11-22.sqlite
                """)

        @OptionGroup var data: DataDirectoryOptions
        @Argument(help: "File to write; must not exist.") var file: String

        func run() async throws {
            restrictFileCreationMode()
            let summary = try await withStartupErrors {
                let config = try ServerConfiguration.load(
                    dataDirectory: data.path, environment: ProcessInfo.processInfo.environment)
                return try backupDatabase(config, to: file)
            }
            print("backup written to \(file): \(summary.pages) pages, \(summary.bytes) bytes, integrity ok")
        }
    }
}

/// Copies the database of `config` to `path` with SQLite's online backup (safe while serving).
func backupDatabase(_ config: ServerConfiguration, to path: String) throws -> PostboxStore.BackupSummary {
    guard FileManager.default.fileExists(atPath: config.databasePath) else {
        throw ConfigurationError("no database at \(config.databasePath)")
    }
    guard !FileManager.default.fileExists(atPath: path) else {
        throw ConfigurationError("\(path) exists; choose a new file")
    }
    return try PostboxStore.backup(databaseAt: config.databasePath, to: path)
}
