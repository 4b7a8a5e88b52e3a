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
                abstract: "Verify the audit hash chain; exit 0 if intact, 1 at the first broken link.",
                discussion: """
                    Prints the chain's head (SEQ:HASH of the newest event; the server also logs it after every retention run): keep it outside this machine. --anchor checks that such an event is still there, unchanged.
                    """)

            @OptionGroup var data: DataDirectoryOptions
            @Flag(help: "Print the result as JSON.") var json = false
            @Option(help: "SEQ:HASH of an event recorded earlier (repeatable).") var anchor: [String] = []

            func validate() throws {
                for text in anchor where AuditAnchor(text) == nil {
                    throw ValidationError("--anchor \(text): expected SEQ:HASH (64 hex digits) as audit verify prints it")
                }
            }

            func run() async throws {
                restrictFileCreationMode()
                let anchors = anchor.compactMap(AuditAnchor.init)
                let result = try await withStartupErrors {
                    let config = try ServerConfiguration.load(
                        dataDirectory: data.path, environment: ProcessInfo.processInfo.environment)
                    return try await GRDBAuditLog(store: try openDependencies(config).store).verify(anchors: anchors)
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    print(String(decoding: try encoder.encode(result), as: UTF8.self))
                } else if result.ok {
                    print("audit chain OK: \(result.events) events verified")
                    if let head = result.head { print("head: \(head)") }
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
