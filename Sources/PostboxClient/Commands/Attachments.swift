import ArgumentParser
import Foundation
import NIOHTTP1

extension PostboxCLI {
    /// `postbox attachments …`: photos and PDFs in a ticket.
    struct Attachments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, upload and download the photos and PDFs of a ticket.",
            subcommands: [List.self, Upload.self, Download.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List a ticket's attachments, oldest first.",
                discussion: "Example: postbox attachments list 6f1c…")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Ticket id.") var ticket: String

            func run() async throws {
                try await runReportingErrors {
                    let data = try await withSession(connection) { api in
                        try await api.call(.GET, "/v1/tickets/\(segment(ticket))/attachments")
                    }
                    if output.json { return Output.printJSON(data) }
                    let page = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                    var table = Table(["ID", "NAME", "TYPE", "BYTES", "METADATA REMOVED", "ADDED"])
                    for item in page["items"] as? [[String: Any]] ?? [] {
                        let removed = item["removedMetadata"] as? [String] ?? []
                        table.add([
                            item["id"] as? String ?? "", item["name"] as? String ?? "", item["contentType"] as? String ?? "",
                            String(item["size"] as? Int ?? 0),
                            item["metadataRemoved"] as? Bool == true
                                ? (removed.isEmpty ? "yes (none found)" : removed.joined(separator: ",")) : "no",
                            Output.date(item["createdAt"]),
                        ])
                    }
                    table.print(empty: "no attachments")
                }
            }
        }

        struct Upload: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Attach a JPEG or PNG photo or a PDF to a ticket.",
                discussion: """
                    The server removes photo metadata (location, date, camera) and a PDF's document information and XMP before storing, and says what it removed. The file name is checked for special categories first, as with tickets reply; --yes sends with acknowledgement without asking.
                    Example: postbox attachments upload 6f1c… schaden.jpg
                    """)

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Ticket id.") var ticket: String
            @Argument(help: "A .jpg, .jpeg, .png or .pdf file.") var file: String
            @Option(help: "The name the attachment gets (default: the file's name).") var name: String?
            @Flag(help: "Send even with special-category findings in the name, without asking.") var yes = false

            /// Content types by file extension; the server checks them against the bytes.
            static let types = ["jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"]

            func run() async throws {
                try await runReportingErrors {
                    let url = URL(fileURLWithPath: file)
                    guard let type = Self.types[url.pathExtension.lowercased()] else {
                        throw CLIError(
                            title: "Unsupported file", detail: "\(file): only .jpg, .jpeg, .png and .pdf can be attached",
                            exitCode: 65)
                    }
                    guard let bytes = FileManager.default.contents(atPath: file) else {
                        throw CLIError(title: "Cannot read", detail: file, exitCode: 66)
                    }
                    let fileName = name ?? url.lastPathComponent
                    let encoded =
                        fileName.addingPercentEncoding(
                            withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? "upload"
                    try await withSession(connection) { api in
                        let acknowledge = try await screenBeforeSending(api, [fileName], yes: yes)
                        let (status, data) = try await api.send(
                            .POST,
                            "/v1/tickets/\(segment(ticket))/attachments"
                                + (acknowledge ? query([("acknowledgeSpecialCategories", "true")]) : ""),
                            body: bytes, contentType: type,
                            headers: [("Content-Disposition", "attachment; filename*=UTF-8''\(encoded)")])
                        guard status == 201 else { throw problem(status, data) }
                        if output.json { return Output.printJSON(data) }
                        let stored = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                        let removed = stored["removedMetadata"] as? [String] ?? []
                        print(
                            "attached \(Output.clean(stored["name"] as? String ?? fileName)) as \(stored["id"] as? String ?? "")"
                                + (stored["metadataRemoved"] as? Bool == true
                                    ? (removed.isEmpty ? " (no metadata found)" : " (removed: \(removed.joined(separator: ", ")))")
                                    : " (metadata not removed)"))
                    }
                }
            }
        }

        struct Download: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Save an attachment (as stored, without the removed metadata) to a file.",
                discussion: """
                    The file is written with mode 0600: it is personal data. Every download is audited.
                    Example: postbox attachments download 0192… -o schaden.jpg
                    """)

            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "Attachment id (from attachments list).") var id: String
            @Option(name: [.short, .long], help: "File to write.") var output: String

            func run() async throws {
                try await runReportingErrors {
                    let written = try await withSession(connection) { api in
                        try await api.download("/v1/attachments/\(segment(id))", to: output)
                    }
                    print("wrote \(output) (\(written) bytes, mode 0600)")
                }
            }
        }
    }

    /// `postbox organisations …`: the partner firms brokers belong to (admin).
    struct Organisations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List and register partner organisations (admin).", subcommands: [List.self, Create.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the partner organisations.", discussion: "Example: postbox organisations list")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions

            func run() async throws {
                try await runReportingErrors {
                    let data = try await withSession(connection) { api in try await api.call(.GET, "/v1/organisations") }
                    if output.json { return Output.printJSON(data) }
                    let page = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                    var table = Table(["ID", "PARTNER NUMBER", "NAME"])
                    for item in page["items"] as? [[String: Any]] ?? [] {
                        table.add([
                            item["id"] as? String ?? "", item["partnerNumber"] as? String ?? "", item["name"] as? String ?? "",
                        ])
                    }
                    table.print(empty: "no organisations")
                }
            }
        }

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Register a partner organisation; brokers are then created with --org PARTNER-NUMBER.",
                discussion: "Example: postbox organisations create \"Makler Alpha GmbH\" --partner-number P-A")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "The organisation's name.") var name: String
            @Option(help: "Its partner number (1-32 letters, digits or -).") var partnerNumber: String

            func run() async throws {
                try await runReportingErrors {
                    let data = try await withSession(connection) { api in
                        try await api.call(
                            .POST, "/v1/organisations", json: ["name": name, "partnerNumber": partnerNumber], expect: [201])
                    }
                    if output.json { return Output.printJSON(data) }
                    let created = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                    print("registered \(Output.clean(name)) (\(partnerNumber)) as \(created["id"] as? String ?? "")")
                }
            }
        }
    }
}
