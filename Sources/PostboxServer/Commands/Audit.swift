import ArgumentParser
import Foundation
import Postbox

extension PostboxServerCommand {
    /// `postbox-server audit verify`: proves the audit hash chain or names its first broken link.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Work with the audit log.", subcommands: [Verify.self])

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Verify the audit hash chain; exit 0 if intact, 1 at the first broken link.")

            @OptionGroup var data: DataDirectoryOptions
            @Flag(help: "Print the result as JSON.") var json = false

            func run() async throws {
                restrictFileCreationMode()
                let result = try await withStartupErrors {
                    let config = try ServerConfiguration.load(
                        dataDirectory: data.path, environment: ProcessInfo.processInfo.environment)
                    return try await GRDBAuditLog(store: try openDependencies(config).store).verify()
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    print(String(decoding: try encoder.encode(result), as: UTF8.self))
                } else if result.ok {
                    print("audit chain OK: \(result.events) events verified")
                } else {
                    print(
                        "audit chain BROKEN at event \(result.firstBrokenSeq ?? 0): \(result.reason ?? "unknown") "
                            + "(\(result.events) events before it verified)")
                }
                if !result.ok { throw ExitCode(1) }
            }
        }
    }
}
