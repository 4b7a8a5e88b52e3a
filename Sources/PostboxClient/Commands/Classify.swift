import ArgumentParser
import Foundation
import NIOHTTP1

extension PostboxCLI {
    /// `postbox classify`: checks text for special categories before it is written anywhere.
    struct Classify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check text for special categories of personal data (GDPR Art. 9), with neutral rewordings.",
            discussion: """
                Exit status 0 when nothing was found, 1 when something was (for scripts).
                Example: postbox classify "Kunde hat Diabetes"
                """)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The text (else read from standard input).") var text: String?

        func run() async throws {
            try await runReportingErrors {
                let input = text ?? readStandardInput()
                let (data, findings) = try await withSession(connection) { api in
                    let data = try await api.call(.POST, "/v1/classify", json: ["text": input])
                    let object = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                    return (data, object["findings"] as? [[String: Any]] ?? [])
                }
                if output.json {
                    Output.printJSON(data)
                } else {
                    print(findings.isEmpty ? "no special categories found" : Self.describe(findings), terminator: "")
                }
                if !findings.isEmpty { throw ExitCode(1) }
            }
        }

        /// One line per finding: category, the words, the suggested rewording.
        static func describe(_ findings: [[String: Any]]) -> String {
            findings.map { finding in
                let category = finding["category"] as? String ?? "?"
                let match = Output.clean(finding["match"] as? String ?? "")
                let suggestion = (finding["suggestion"] as? String).map { " → suggest: \(Output.clean($0))" } ?? ""
                return "special category \(category): \"\(match)\"\(suggestion)\n"
            }.joined()
        }
    }
}
