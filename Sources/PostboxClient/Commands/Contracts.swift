import ArgumentParser
import Foundation
import NIOHTTP1

extension PostboxCLI {
    /// `postbox contracts import FILE.csv`: bulk registration over the API, in batches;
    /// `postbox contracts end NUMBER`: the day a contract ended.
    struct Contracts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Manage contracts.", subcommands: [Import.self, End.self])

        struct End: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Record the day a contract ended (advisor, admin); the legal hold on its correspondence runs from it.",
                discussion: """
                    Without --on the contract ended today (UTC). --running withdraws the end: the correspondence is held again until an end is recorded.
                    Example: postbox contracts end KV-100.200 --on 2026-10-31
                    """)

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Contract number.") var number: String
            @Option(help: "The day it ended (YYYY-MM-DD).") var on: String?
            @Flag(help: "The contract runs after all: remove its end.") var running = false

            func validate() throws {
                if running, on != nil { throw ValidationError("give --on DAY or --running, not both") }
            }

            func run() async throws {
                try await runReportingErrors {
                    let day: Any = running ? NSNull() : (on ?? Self.today())
                    let data = try await withSession(connection) { api in
                        try await api.call(.PATCH, "/v1/contracts/\(segment(number))", json: ["endsOn": day])
                    }
                    if output.json { return Output.printJSON(data) }
                    let contract = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                    let shown = Output.clean(contract["number"] as? String ?? number)
                    if let ended = contract["endsOn"] as? String {
                        print("contract \(shown) ended on \(ended)")
                    } else {
                        print("contract \(shown) is running (no end recorded)")
                    }
                }
            }

            static func today() -> String {
                let formatter = ISO8601DateFormatter()
                formatter.formatOptions = [.withFullDate, .withDashSeparatorInDate]
                return formatter.string(from: Date())
            }
        }

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register contracts from a CSV file (advisor, admin); reports rejected lines.",
                discussion: """
                    Header line (comma or semicolon separated): number,surname,firstName,memberNumber,advisorLogin,endsOn. number and surname are required; endsOn is the day a contract ended (YYYY-MM-DD). Lines are sent in batches with a progress bar on a terminal. Exit status 0 when every line was imported, 65 when some were rejected.
                    Example: postbox contracts import bestand.csv
                    """)

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "CSV file.") var file: String
            @Option(help: "Lines per request.") var batch = 500

            func validate() throws {
                guard batch > 0 else { throw ValidationError("--batch must be positive") }
            }

            func run() async throws {
                try await runReportingErrors {
                    guard let bytes = FileManager.default.contents(atPath: file) else {
                        throw CLIError(title: "Cannot read", detail: file, exitCode: 66)
                    }
                    guard let text = String(data: bytes, encoding: .utf8) else {
                        throw CLIError(title: "Not UTF-8", detail: "\(file) is not UTF-8 text", exitCode: 65)
                    }
                    let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(
                        separator: "\n", omittingEmptySubsequences: false)
                    guard let header = lines.first, !header.isEmpty else {
                        throw CLIError(title: "Empty file", detail: "\(file) has no header line", exitCode: 65)
                    }
                    let body = lines.dropFirst().filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                    var imported = 0
                    var rejected: [[String: Any]] = []
                    let progress = Output.isTerminal && !output.json
                    try await withSession(connection) { api in
                        var start = 0
                        repeat {
                            let chunk = body.dropFirst(start).prefix(batch)
                            let csv = ([header] + chunk).joined(separator: "\n") + "\n"
                            let (status, data) = try await api.send(
                                .POST, "/v1/contracts/import", body: Data(csv.utf8), contentType: "text/csv")
                            guard status == 200,
                                let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
                            else {
                                throw problem(status, data)
                            }
                            imported += report["imported"] as? Int ?? 0
                            for rejection in report["rejected"] as? [[String: Any]] ?? [] {
                                // Line numbers in the whole file (blank lines aside): the batch's header is line 1.
                                rejected.append([
                                    "line": (rejection["line"] as? Int ?? 0) + start,
                                    "reason": rejection["reason"] ?? "",
                                ])
                            }
                            start += chunk.count
                            if progress { Self.drawProgress(done: start, total: body.count) }
                        } while start < body.count
                    }
                    if progress { FileHandle.standardError.write(Data("\n".utf8)) }
                    if output.json {
                        try Output.printJSON(object: ["imported": imported, "rejected": rejected])
                    } else {
                        print("imported \(imported) contracts; rejected \(rejected.count) lines")
                        for rejection in rejected {
                            print(
                                "  line \(rejection["line"] as? Int ?? 0): \(Output.clean(rejection["reason"] as? String ?? ""))"
                            )
                        }
                    }
                    if !rejected.isEmpty { throw ExitCode(65) }
                }
            }

            static func drawProgress(done: Int, total: Int) {
                let width = 30
                let filled = total == 0 ? width : width * done / total
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total)".utf8))
            }
        }
    }
}
