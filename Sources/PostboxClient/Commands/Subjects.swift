import ArgumentParser
import Foundation
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#endif

extension PostboxCLI {
    /// `postbox subjects …`: data-subject requests (data-protection officer).
    struct Subjects: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find, export, restrict and erase a person's data (data-protection officer).",
            subcommands: [Search.self, Export.self, Erase.self, Restrict.self, Unrestrict.self])

        struct Search: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Find the person by any identifier (through blind indexes; nothing is decrypted).",
                discussion: """
                    Example: postbox subjects search --plate "M-AB 1234"
                             postbox subjects search --surname Schmidt --phone "+49 89 1234567"
                    """)

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Option(help: "Licence plate, e.g. \"M-AB 1234\".") var plate: String?
            @Option(help: "Policy (contract) number.") var policy: String?
            @Option(help: "Referral number, e.g. RF-2026-000001.") var referral: String?
            @Option(help: "Phone number.") var phone: String?
            @Option(help: "Surname (only together with --phone).") var surname: String?
            @Option(help: "E-mail address.") var email: String?
            @Option(help: "Member number.") var member: String?
            @Option(help: "Login of a member account.") var login: String?

            func run() async throws {
                try await runReportingErrors {
                    var body: [String: String] = [:]
                    body["licencePlate"] = plate
                    body["policyNumber"] = policy
                    body["referralNumber"] = referral
                    body["phone"] = phone
                    body["surname"] = surname
                    body["email"] = email
                    body["memberNumber"] = member
                    body["login"] = login
                    guard !body.isEmpty else {
                        throw CLIError(
                            title: "Nothing to search",
                            detail: "give --plate, --policy, --referral, --phone, --email, --member or --login",
                            exitCode: 64)
                    }
                    let data = try await withSession(connection) { api in
                        try await api.call(.POST, "/v1/subjects/search", json: body)
                    }
                    if output.json { return Output.printJSON(data) }
                    let subjects =
                        ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["subjects"]
                            as? [[String: Any]]) ?? []
                    var table = Table(["ID", "MATCHED BY", "ACCOUNTS", "TICKETS", "MESSAGES", "STATE", "REFERENCES"])
                    for subject in subjects {
                        let state =
                            subject["erasedAt"] != nil
                            ? "erased" : subject["restrictedAt"] != nil ? "restricted" : "active"
                        let references = (subject["references"] as? [[String: Any]] ?? []).map {
                            $0["number"] as? String ?? ""
                        }
                        table.add([
                            subject["id"] as? String ?? "",
                            (subject["matchedBy"] as? [String] ?? []).joined(separator: ","),
                            "\(subject["accounts"] as? Int ?? 0)", "\(subject["tickets"] as? Int ?? 0)",
                            "\(subject["messages"] as? Int ?? 0)", state, references.joined(separator: ", "),
                        ])
                    }
                    table.print(empty: "nobody found")
                }
            }
        }

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Export everything about the person, with the origin of every entry (Art. 15).",
                discussion: """
                    The file is written with mode 0600: it is personal data. Without -o the export goes to standard output.
                    Example: postbox subjects export 5f0c… --format html -o auskunft.html
                    """)

            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "Subject id (from subjects search).") var id: String
            @Option(help: "json (default), html or zip.") var format = "json"
            @Option(name: [.short, .customLong("output")], help: "File to write.") var output: String?

            func validate() throws {
                guard ["json", "html", "zip"].contains(format) else {
                    throw ValidationError("--format is json, html or zip")
                }
            }

            func run() async throws {
                try await runReportingErrors {
                    // Streamed to the file (or standard output) as it arrives: an export with many
                    // attachments can be larger than what a client should hold in memory.
                    let written = try await withSession(connection) { api in
                        try await api.download("/v1/subjects/\(segment(id))/export" + query([("format", format)]), to: output)
                    }
                    if let output { print("wrote \(output) (\(written) bytes, mode 0600)") }
                }
            }
        }

        struct Erase: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Erase everything about the person that no legal hold covers (Art. 17).",
                discussion: """
                    Asks for confirmation on the terminal; --yes skips the question (for scripts). Prints what was erased and what was retained, why and until when.
                    Example: postbox subjects erase 5f0c… --yes
                    """)

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Subject id.") var id: String
            @Flag(help: "Do not ask.") var yes = false

            func run() async throws {
                try await runReportingErrors {
                    guard
                        yes
                            || confirm(
                                "Erase everything about subject \(id) that no legal hold covers? This cannot be undone."
                            )
                    else {
                        throw CLIError(
                            title: "Not erased", detail: "confirm on the terminal or pass --yes", exitCode: 1)
                    }
                    let data = try await withSession(connection) { api in
                        try await api.call(.POST, "/v1/subjects/\(segment(id))/erase")
                    }
                    if output.json { return Output.printJSON(data) }
                    let report = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                    var table = Table(["DONE", "WHAT", "ID", "REFERENCE", "WHY / UNTIL"])
                    for (label, key) in [("erased", "erased"), ("retained", "retained")] {
                        for entry in report[key] as? [[String: Any]] ?? [] {
                            let count = (entry["count"] as? Int).map { " (\($0))" } ?? ""
                            let until = entry["until"].map { " — until \(Output.date($0))" } ?? ""
                            table.add([
                                label, (entry["type"] as? String ?? "") + count, entry["id"] as? String ?? "",
                                entry["reference"] as? String ?? "",
                                (entry["reason"] as? String ?? "") + until,
                            ])
                        }
                    }
                    table.print(empty: "nothing was stored")
                    for note in report["notes"] as? [String] ?? [] { print("note: \(Output.clean(note))") }
                }
            }
        }

        struct Restrict: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract:
                    "Restrict processing (Art. 18): only the DPO sees the person's entries; new ones are refused.",
                discussion: "Example: postbox subjects restrict 5f0c…")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Subject id.") var id: String

            func run() async throws {
                try await perform(
                    connection, output, .POST, "/v1/subjects/\(segment(id))/restrict", message: "restricted \(id)")
            }
        }

        struct Unrestrict: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Lift a restriction.", discussion: "Example: postbox subjects unrestrict 5f0c…")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Subject id.") var id: String

            func run() async throws {
                try await perform(
                    connection, output, .DELETE, "/v1/subjects/\(segment(id))/restrict",
                    message: "lifted the restriction of \(id)")
            }
        }
    }
}
