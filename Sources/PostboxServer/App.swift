import ArgumentParser
import Foundation
import Logging
import Postbox

#if canImport(Glibc)
import Glibc
#endif

/// `postbox-server`: the Postbox server and its operator commands.
@main
struct PostboxServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postbox-server",
        abstract: "The Postbox secure postbox server.",
        subcommands: [
            Serve.self, Initialise.self, Migrate.self, Audit.self, Keys.self, Contracts.self, Classify.self, Purge.self,
            Backup.self, Certs.self,
        ],
        defaultSubcommand: Serve.self)
}

/// Options every subcommand that works on a data directory shares.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory holding postbox.json, master.key, the database and tls/.")
    var dataDir: String = ProcessInfo.processInfo.environment["POSTBOX_DATA_DIR"] ?? "./data"

    /// The absolute path of the data directory.
    var path: String {
        let url = URL(fileURLWithPath: dataDir, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        return url.standardizedFileURL.path
    }
}

/// Runs `body`, turning configuration, key-file and store errors into a one-line message and
/// exit status 78; other errors pass through.
func withStartupErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as ConfigurationError {
        throw failStartup(error.description)
    } catch let error as KeyFileError {
        throw failStartup(error.description)
    } catch let error as StoreError {
        throw failStartup(error.description)
    }
}

/// Prints a configuration error as one line and exits with EX_CONFIG (78).
func failStartup(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("postbox-server: \(message)\n".utf8))
    return ExitCode(78)
}

/// Files the server creates (database, WAL, keys) are readable by its user only.
func restrictFileCreationMode() {
    umask(0o077)
}
