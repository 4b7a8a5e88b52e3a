import ArgumentParser
import Foundation
import NIOHTTP1

extension PostboxCLI {
    /// `postbox audit …`: the hash-chained audit log (DPO, admin).
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read and verify the audit log (data-protection officer, admin).",
            subcommands: [List.self, Verify.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List audit events, newest first.",
                discussion: "Example: postbox audit list --action session.login-failed --since 2026-11-01T00:00:00Z")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Option(help: "Only events of this user id.") var user: String?
            @Option(help: "Only this action, e.g. session.login.") var action: String?
            @Option(help: "Only events at or after this ISO 8601 time.") var since: String?
            @Option(help: "At most this many events (1-1000).") var limit = 100

            func run() async throws {
                try await runReportingErrors {
                    let data = try await withSession(connection) { api in
                        try await api.call(
                            .GET,
                            "/v1/audit"
                                + query([("user", user), ("action", action), ("from", since), ("limit", String(limit))])
                        )
                    }
                    if output.json { return Output.printJSON(data) }
                    let items =
                        ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [[String: Any]])
                        ?? []
                    var table = Table(["SEQ", "AT", "ACTION", "OUTCOME", "ROLE", "USER", "IP", "OBJECT"])
                    for event in items {
                        table.add([
                            "\(event["seq"] as? Int ?? 0)", Output.date(event["at"]), event["action"] as? String ?? "",
                            event["outcome"] as? String ?? "", event["role"] as? String ?? "",
                            event["userId"] as? String ?? "",
                            event["ipPrefix"] as? String ?? "",
                            [event["objectType"] as? String, event["objectId"] as? String].compactMap { $0 }.joined(
                                separator: " "),
                        ])
                    }
                    table.print(empty: "no events")
                }
            }
        }

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Verify the hash chain; exit 0 when intact, 1 at the first broken link.",
                discussion: """
                    Prints the chain's head (SEQ:HASH of the newest event): keep it somewhere else. Verifying later with --anchor fails when newer events were removed or the chain was rewritten from it.
                    Example: postbox audit verify --anchor 1234:9f2c…
                    """)

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Option(help: "SEQ:HASH of an event recorded earlier (the head an earlier verify printed).") var anchor: String?

            func run() async throws {
                try await runReportingErrors {
                    let data = try await withSession(connection) { api in
                        try await api.call(.GET, "/v1/audit/verify" + query([("anchor", anchor)]))
                    }
                    let result = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                    let ok = result["ok"] as? Bool == true
                    if output.json {
                        Output.printJSON(data)
                    } else if ok {
                        print("audit chain OK: \(result["events"] as? Int ?? 0) events verified")
                        if let head = result["head"] as? String { print("head: \(head)") }
                    } else {
                        print(
                            "audit chain BROKEN at event \(result["firstBrokenSeq"] as? Int ?? 0): \(result["reason"] as? String ?? "")"
                        )
                    }
                    if !ok { throw ExitCode(1) }
                }
            }
        }
    }
}
