import ArgumentParser
import Foundation
import NIOHTTP1

extension PostboxCLI {
    /// `postbox review …`: the DPO's queue of entries flagged for special categories.
    struct Review: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Review entries flagged for special categories (data-protection officer).",
            subcommands: [List.self, Keep.self, Redact.self, Delete.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List flagged entries, open ones by default.",
                discussion: "Example: postbox review list --status all")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Option(help: "open (default), kept, redacted, deleted or all.") var status: String?

            func run() async throws {
                try await runReportingErrors {
                    let data = try await withSession(connection) { api in
                        try await api.call(.GET, "/v1/review" + query([("status", status)]))
                    }
                    if output.json { return Output.printJSON(data) }
                    let items =
                        ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [[String: Any]])
                        ?? []
                    var table = Table(["ID", "STATUS", "CATEGORIES", "ENTRY", "BY", "TEXT"])
                    for item in items {
                        table.add([
                            item["id"] as? String ?? "", item["status"] as? String ?? "",
                            (item["categories"] as? [String] ?? []).joined(separator: ","),
                            "\(item["objectType"] as? String ?? "") \(item["field"] as? String ?? "")"
                                + (item["held"] as? Bool == true ? " (held)" : ""),
                            item["authorRole"] as? String ?? "", item["text"] as? String ?? "",
                        ])
                    }
                    table.print(empty: "nothing to review")
                }
            }
        }

        /// What `keep`, `redact` and `delete` share.
        struct Decision: ParsableArguments {
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Review item id.") var id: String
            @Option(help: "Why (kept encrypted with the decision).") var reason: String

            func decide(_ action: String) async throws {
                try await runReportingErrors {
                    let data = try await withSession(connection) { api in
                        try await api.call(
                            .POST, "/v1/review/\(segment(id))", json: ["action": action, "reason": reason])
                    }
                    if output.json { return Output.printJSON(data) }
                    let item = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                    print("\(id): \(item["status"] as? String ?? action)")
                }
            }
        }

        struct Keep: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Keep a flagged entry as written (a held message becomes visible).",
                discussion: "Example: postbox review keep 3b9e… --reason \"needed for the claim\"")
            @OptionGroup var decision: Decision
            func run() async throws { try await decision.decide("keep") }
        }

        struct Redact: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Replace the flagged words with their category.",
                discussion: "Example: postbox review redact 3b9e… --reason \"health detail not needed\"")
            @OptionGroup var decision: Decision
            func run() async throws { try await decision.decide("redact") }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Delete the flagged text (the entry stays, its text is removed).",
                discussion: "Example: postbox review delete 3b9e… --reason \"not needed\"")
            @OptionGroup var decision: Decision
            func run() async throws { try await decision.decide("delete") }
        }
    }
}
