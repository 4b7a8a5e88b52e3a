import ArgumentParser
import Foundation
import NIOHTTP1

extension PostboxCLI {
    /// `postbox users …`: account administration (admin).
    struct Users: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create, list and disable accounts (admin).", subcommands: [Create.self, List.self, Disable.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create an account; prints its one-time activation code once (send it by letter).",
                discussion: """
                    Example: postbox users create broker.alpha --role broker --org P-A --name "Anna Alpha"
                    """)

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Login of the new account.") var login: String
            @Option(help: "member, broker, advisor, dpo or admin.") var role: String
            @Option(help: "Organisation (id, partner number or name) of a broker.") var org: String?
            @Option(help: "Display name (default: the login).") var name: String?
            @Option(help: "Member number of a member (links the account to the member's contracts).") var memberNumber:
                String?

            func run() async throws {
                try await runReportingErrors {
                    let data = try await withSession(connection) { api in
                        var body: [String: Any] = ["login": login, "role": role, "displayName": name ?? login]
                        if let org { body["organisationId"] = try await Self.organisationID(org, api) }
                        if let memberNumber { body["memberNumber"] = memberNumber }
                        return try await api.call(.POST, "/v1/users", json: body, expect: [201])
                    }
                    if output.json { return Output.printJSON(data) }
                    let created = (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                    print("created \(created["login"] as? String ?? login) (\(created["role"] as? String ?? role))")
                    print("activation code (shown once): \(created["activationCode"] as? String ?? "")")
                }
            }

            /// The id of the organisation named by id, partner number or name.
            static func organisationID(_ text: String, _ api: APIClient) async throws -> String {
                let items = try await api.object(.GET, "/v1/organisations")["items"] as? [[String: Any]] ?? []
                let match = items.first {
                    $0["id"] as? String == text || $0["partnerNumber"] as? String == text
                        || $0["name"] as? String == text
                }
                guard let id = match?["id"] as? String else {
                    throw CLIError(
                        title: "No such organisation",
                        detail: "\(text) is no organisation's id, partner number or name", exitCode: 66)
                }
                return id
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List accounts with their last transaction.", discussion: "Example: postbox users list")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions

            func run() async throws {
                try await runReportingErrors {
                    let data = try await withSession(connection) { api in try await api.call(.GET, "/v1/users") }
                    if output.json { return Output.printJSON(data) }
                    let items =
                        ((try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [[String: Any]])
                        ?? []
                    var table = Table(["LOGIN", "ROLE", "STATUS", "LAST TRANSACTION", "NAME"])
                    for user in items {
                        let last = user["lastTransaction"] as? [String: Any]
                        table.add([
                            user["login"] as? String ?? "", user["role"] as? String ?? "",
                            user["status"] as? String ?? "",
                            last.map { "\($0["action"] as? String ?? "") \(Output.date($0["at"]))" } ?? "",
                            user["displayName"] as? String ?? "",
                        ])
                    }
                    table.print(empty: "no accounts")
                }
            }
        }

        struct Disable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Disable an account; its sessions end at once.",
                discussion: "Example: postbox users disable broker.alpha")

            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var output: OutputOptions
            @Argument(help: "Login of the account.") var login: String

            func run() async throws {
                try await runReportingErrors {
                    let data = try await withSession(connection) { api in
                        let items = try await api.object(.GET, "/v1/users")["items"] as? [[String: Any]] ?? []
                        guard let id = items.first(where: { $0["login"] as? String == login })?["id"] as? String else {
                            throw CLIError(title: "No such account", detail: login, exitCode: 66)
                        }
                        return try await api.call(.PATCH, "/v1/users/\(segment(id))", json: ["status": "disabled"])
                    }
                    if output.json { return Output.printJSON(data) }
                    print("disabled \(login)")
                }
            }
        }
    }
}
