import ArgumentParser
import Foundation
import NIOHTTP1

/// Options every command that can print JSON shares.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON for scripts (the API's shape) instead of a table.") var json = false
}

extension PostboxCLI {
    /// `postbox tickets …`: the advisor's day.
    struct Tickets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, read, answer, assign and close tickets.",
            subcommands: [List.self, Show.self, Reply.self, Assign.self, Close.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List the tickets you may see, newest activity first.",
                discussion: "Example: postbox tickets list --status open --mine")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Option(help: "Only tickets with this status: open, answered or closed.") var status: String?
            @Flag(help: "Only tickets assigned to you.") var mine = false
            @Option(help: "At most this many tickets (1-100).") var limit = 50

            func run() async throws {
                try await runReportingErrors {
                    try await withSession(connection) { api in
                        let page = try await api.object(
                            .GET, "/v1/tickets" + query([("status", status), ("limit", String(limit))]))
                        var items = page["items"] as? [[String: Any]] ?? []
                        if mine {
                            let me = try await api.object(.GET, "/v1/me")
                            items = items.filter { $0["assigneeId"] as? String == me["id"] as? String }
                        }
                        if output.json { return try Output.printJSON(object: ["items": items]) }
                        var table = Table(["ID", "STATUS", "REFERENCE", "LAST ACTIVITY", "SUBJECT"])
                        for item in items {
                            let reference = item["reference"] as? [String: Any]
                            table.add([
                                item["id"] as? String ?? "", item["status"] as? String ?? "",
                                "\(reference?["kind"] as? String ?? "") \(reference?["number"] as? String ?? "")",
                                Output.date(item["lastActivityAt"]), item["subject"] as? String ?? "",
                            ])
                        }
                        table.print(empty: "no tickets")
                    }
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show a ticket with its whole thread and the origin of every message.",
                discussion: "Example: postbox tickets show 6f1c…")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Ticket id.") var id: String

            func run() async throws {
                try await runReportingErrors {
                    try await withSession(connection) { api in
                        let ticket = try await api.object(.GET, "/v1/tickets/\(segment(id))")
                        var messages: [[String: Any]] = []
                        var before: Int?
                        repeat {
                            let page = try await api.object(
                                .GET,
                                "/v1/tickets/\(segment(id))/messages"
                                    + query([("limit", "100"), ("before", before.map(String.init))]))
                            messages.insert(contentsOf: page["items"] as? [[String: Any]] ?? [], at: 0)
                            before = page["nextBefore"] as? Int
                        } while before != nil
                        if output.json {
                            return try Output.printJSON(object: ["ticket": ticket, "messages": messages])
                        }
                        let reference = ticket["reference"] as? [String: Any]
                        print(Output.clean(ticket["subject"] as? String ?? ""))
                        print(
                            "\(ticket["id"] as? String ?? "") · \(ticket["status"] as? String ?? "") · "
                                + "\(reference?["kind"] as? String ?? "") \(reference?["number"] as? String ?? "")"
                                + ((ticket["assigneeId"] as? String).map { " · assigned to \($0)" } ?? ""))
                        for message in messages {
                            print("")
                            print("#\(message["seq"] as? Int ?? 0) \(Self.origin(message))")
                            print(Output.clean(message["body"] as? String ?? "", multiline: true))
                        }
                    }
                }
            }

            /// `advisor 4f2a… · org 9c1e… · cli · 2026-11-22 13:05 · 127.0.0.0/24`
            static func origin(_ message: [String: Any]) -> String {
                let origin = message["origin"] as? [String: Any]
                var parts = [message["authorRole"] as? String ?? "?"]
                if let author = origin?["authorId"] as? String { parts[0] += " \(author)" }
                if let organisation = origin?["organisationId"] as? String { parts.append("org \(organisation)") }
                if let channel = origin?["channel"] as? String { parts.append(channel) }
                parts.append(Output.date(message["createdAt"]))
                if let ip = origin?["ipPrefix"] as? String { parts.append(ip) }
                let categories = message["specialCategories"] as? [String] ?? []
                if !categories.isEmpty { parts.append("special categories: \(categories.joined(separator: ", "))") }
                if message["held"] as? Bool == true { parts.append("held for review") }
                return Output.clean(parts.joined(separator: " · "))
            }
        }

        struct Reply: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Answer in a ticket; special categories are shown first and need your confirmation.",
                discussion: """
                    The text comes from --message or standard input. Before sending, the text is checked for special categories of personal data (GDPR Art. 9); findings are shown with a neutral rewording, and you are asked whether to send anyway. --yes sends with acknowledgement without asking (for scripts).
                    Example: echo "Termin am Montag" | postbox tickets reply 6f1c… --yes
                    """)

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Ticket id.") var id: String
            @Option(help: "The answer (else read from standard input).") var message: String?
            @Flag(help: "Send even with special-category findings, without asking.") var yes = false

            func run() async throws {
                try await runReportingErrors {
                    let text = message ?? readStandardInput()
                    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                        throw CLIError(
                            title: "Nothing to send", detail: "give --message TEXT or text on standard input",
                            exitCode: 64)
                    }
                    try await withSession(connection) { api in
                        let check = try await api.object(.POST, "/v1/classify", json: ["text": text])
                        let findings = check["findings"] as? [[String: Any]] ?? []
                        var acknowledge = false
                        if !findings.isEmpty {
                            FileHandle.standardError.write(Data(Classify.describe(findings).utf8))
                            guard yes || confirm("Send anyway?") else {
                                throw CLIError(
                                    title: "Not sent", detail: "special categories found; reword or confirm (--yes)",
                                    exitCode: 1)
                            }
                            acknowledge = true
                        }
                        let data = try await api.call(
                            .POST, "/v1/tickets/\(segment(id))/messages",
                            json: ["body": text, "acknowledgeSpecialCategories": acknowledge], expect: [201])
                        if output.json { return Output.printJSON(data) }
                        let sent = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                        print(
                            "sent message #\(sent["seq"] as? Int ?? 0)"
                                + (sent["held"] as? Bool == true ? " (held for review)" : ""))
                    }
                }
            }
        }

        struct Assign: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Assign a ticket to an advisor (by login), or take it with 'me'.",
                discussion: "Example: postbox tickets assign 6f1c… advisor2")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Ticket id.") var id: String
            @Argument(help: "Login of the advisor, or 'me'.") var user: String

            func run() async throws {
                try await runReportingErrors {
                    try await withSession(connection) { api in
                        var login = user
                        if user == "me" { login = try await api.object(.GET, "/v1/me")["login"] as? String ?? user }
                        let data = try await api.call(
                            .PATCH, "/v1/tickets/\(segment(id))", json: ["assigneeLogin": login])
                        if output.json { return Output.printJSON(data) }
                        print("assigned \(id) to \(login)")
                    }
                }
            }
        }

        struct Close: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Close a ticket (a member's reply within the reopen window opens it again).",
                discussion: "Example: postbox tickets close 6f1c…")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Ticket id.") var id: String

            func run() async throws {
                try await perform(
                    connection, output, .PATCH, "/v1/tickets/\(segment(id))", json: ["status": "closed"],
                    message: "closed \(id)")
            }
        }
    }
}
