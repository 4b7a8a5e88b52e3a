import ArgumentParser
import Foundation
import Postbox

extension PostboxServerCommand {
    /// `postbox-server contracts import FILE`: bulk registration of contracts from CSV.
    struct Contracts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Manage contracts.", subcommands: [Import.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register contracts from a CSV file; prints a report of rejected lines.",
                discussion: """
                    Header line (comma or semicolon separated): number,surname,firstName,memberNumber,advisorLogin,endsOn.
                    number and surname are required; endsOn is the day a contract ended (YYYY-MM-DD). Each line stands alone; rejected lines are listed with the reason.
                    Exit status 0 when every line was imported, 65 (EX_DATAERR) when some were rejected.
                    """)

            @OptionGroup var data: DataDirectoryOptions
            @Argument(help: "CSV file to import.") var file: String
            @Flag(help: "Print the report as JSON.") var json = false

            func run() async throws {
                restrictFileCreationMode()
                guard let bytes = FileManager.default.contents(atPath: file) else {
                    throw failStartup("cannot read \(file)")
                }
                guard let text = String(data: bytes, encoding: .utf8) else {
                    throw failStartup("\(file) is not UTF-8 text")
                }
                let report: ReferenceService.ImportReport
                do {
                    report = try await withStartupErrors {
                        let config = try ServerConfiguration.load(
                            dataDirectory: data.path, environment: ProcessInfo.processInfo.environment)
                        return try await openDependencies(config).references.importContracts(
                            csv: text, by: .anonymous(ipPrefix: nil), channel: "import")
                    }
                } catch let error as PostboxError {
                    let message = error.fields.isEmpty ? error.detail : error.fields.map(\.message).joined(separator: "; ")
                    FileHandle.standardError.write(Data("postbox-server: \(file): \(message)\n".utf8))
                    throw ExitCode(65)
                }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    print(String(decoding: try encoder.encode(report), as: UTF8.self))
                } else {
                    print("imported \(report.imported) contracts; rejected \(report.rejected.count) lines")
                    for rejection in report.rejected { print("  line \(rejection.line): \(rejection.reason)") }
                }
                if !report.rejected.isEmpty { throw ExitCode(65) }
            }
        }
    }
}
