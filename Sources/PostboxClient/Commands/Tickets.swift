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
            abstract: "List, open, read, answer, rectify, assign and close tickets.",
            subcommands: [List.self, Open.self, Show.self, Reply.self, Rectify.self, Assign.self, Close.self])

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

            /// `broker 4f2a… · Makler Alpha GmbH · web · 2026-11-22 13:05 · 127.0.0.0/24` (the organisation
            /// by name; by id, `org 9c1e…`, only from a server that does not send the name)
            static func origin(_ message: [String: Any]) -> String {
                let origin = message["origin"] as? [String: Any]
                var parts = [message["authorRole"] as? String ?? "?"]
                if let author = origin?["authorId"] as? String { parts[0] += " \(author)" }
                if let name = origin?["organisationName"] as? String {
                    parts.append(name)
                } else if let organisation = origin?["organisationId"] as? String {
                    parts.append("org \(organisation)")
                }
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
                    let text = try messageText(message)
                    try await withSession(connection) { api in
                        let acknowledge = try await screenBeforeSending(api, [text], yes: yes)
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

        struct Open: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Open a ticket on a contract or referral with its first message.",
                discussion: """
                    The message comes from --message or standard input. Subject and message are checked for special categories first, as with reply; --yes sends with acknowledgement without asking.
                    Example: echo "Bitte um Rückruf" | postbox tickets open --contract KV-100.200 --subject "Beitrag"
                    """)

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Option(help: "Number of the contract the ticket is about.") var contract: String?
            @Option(help: "Number of the referral the ticket is about.") var referral: String?
            @Option(help: "Subject line (1-200 characters).") var subject: String
            @Option(help: "The first message (else read from standard input).") var message: String?
            @Flag(help: "Send even with special-category findings, without asking.") var yes = false

            func validate() throws {
                guard (contract == nil) != (referral == nil) else {
                    throw ValidationError("give exactly one of --contract NUMBER and --referral NUMBER")
                }
            }

            func run() async throws {
                try await runReportingErrors {
                    let text = try messageText(message)
                    let reference: [String: Any] =
                        if let contract { ["kind": "contract", "number": contract] } else {
                            ["kind": "referral", "number": referral ?? ""]
                        }
                    try await withSession(connection) { api in
                        let acknowledge = try await screenBeforeSending(api, [subject, text], yes: yes)
                        let data = try await api.call(
                            .POST, "/v1/tickets",
                            json: [
                                "reference": reference, "subject": subject, "body": text,
                                "acknowledgeSpecialCategories": acknowledge,
                            ], expect: [201])
                        if output.json { return Output.printJSON(data) }
                        let opened = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                        let ticket = opened["ticket"] as? [String: Any] ?? [:]
                        let first = opened["message"] as? [String: Any] ?? [:]
                        print(
                            "opened ticket \(Output.clean(ticket["id"] as? String ?? ""))"
                                + (first["held"] as? Bool == true ? " (first message held for review)" : ""))
                    }
                }
            }
        }

        struct Rectify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Correct a message (your own within 24 hours; the DPO any); the old text is kept for the DPO.",
                discussion: """
                    The message is named by its ticket and number (#2 in tickets show). The new text comes from --message or standard input and is checked for special categories as with reply.
                    Example: postbox tickets rectify 6f1c… 2 --reason "wrong date" --message "Termin am Dienstag"
                    """)

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Ticket id.") var id: String
            @Argument(help: "Number of the message in the ticket (as in tickets show).") var number: Int
            @Option(help: "Why it is corrected (kept with the old text).") var reason: String
            @Option(help: "The corrected text (else read from standard input).") var message: String?
            @Flag(help: "Send even with special-category findings, without asking.") var yes = false

            func validate() throws {
                // The page's `before` is number + 1, at most 2^31 - 1 (openapi.yaml).
                guard (1..<Int(Int32.max)).contains(number) else {
                    throw ValidationError("message numbers are from 1 to \(Int32.max - 1)")
                }
            }

            func run() async throws {
                try await runReportingErrors {
                    let text = try messageText(message)
                    try await withSession(connection) { api in
                        // The message with this number: the one page of one message before number + 1.
                        let page = try await api.object(
                            .GET, "/v1/tickets/\(segment(id))/messages" + query([("before", String(number + 1)), ("limit", "1")]))
                        guard let found = (page["items"] as? [[String: Any]])?.first, found["seq"] as? Int == number,
                            let messageID = found["id"] as? String
                        else {
                            throw CLIError(title: "Not found", detail: "ticket \(id) has no message #\(number)", exitCode: 66)
                        }
                        let acknowledge = try await screenBeforeSending(api, [text], yes: yes)
                        let data = try await api.call(
                            .PATCH, "/v1/messages/\(segment(messageID))",
                            json: ["body": text, "reason": reason, "acknowledgeSpecialCategories": acknowledge])
                        if output.json { return Output.printJSON(data) }
                        print("rectified message #\(number)")
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

/// A message's text from `--message` or standard input; refused when there is nothing to send.
func messageText(_ option: String?) throws -> String {
    let text = option ?? readStandardInput()
    guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
        throw CLIError(title: "Nothing to send", detail: "give --message TEXT or text on standard input", exitCode: 64)
    }
    return text
}

/// Checks `texts` for special categories before they are sent: shows the findings with their
/// rewordings on stderr and asks (or takes `--yes`). Returns whether to send with the
/// acknowledgement; throws "Not sent" when the person declines or cannot be asked.
func screenBeforeSending(_ api: APIClient, _ texts: [String], yes: Bool) async throws -> Bool {
    var findings: [[String: Any]] = []
    for text in texts {
        let check = try await api.object(.POST, "/v1/classify", json: ["text": text])
        findings += check["findings"] as? [[String: Any]] ?? []
    }
    guard !findings.isEmpty else { return false }
    FileHandle.standardError.write(Data(PostboxCLI.Classify.describe(findings).utf8))
    guard yes || confirm("Send anyway?") else {
        throw CLIError(title: "Not sent", detail: "special categories found; reword or confirm (--yes)", exitCode: 1)
    }
    return true
}
