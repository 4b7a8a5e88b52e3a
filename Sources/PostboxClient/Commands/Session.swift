import ArgumentParser
import Foundation
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command body and turns ``CLIError`` into one line on stderr and its exit status.
func runReportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CLIError {
        FileHandle.standardError.write(Data("postbox: \(error.description)\n".utf8))
        throw ExitCode(error.exitCode)
    }
}

/// Maps an API problem response to a ``CLIError`` with the problem's title and detail.
func problem(_ status: Int, _ body: Data) -> CLIError {
    let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    let title = json?["title"] as? String ?? "HTTP \(status)"
    let detail = json?["detail"] as? String ?? "the server answered \(status)"
    let code: Int32 =
        switch status {
        case 401, 403: 77
        case 404: 66
        case 500...: 69
        default: 1
        }
    return CLIError(title: title, detail: detail, exitCode: code)
}

extension PostboxCLI {
    /// `postbox login LOGIN`: asks for the password without echo (or reads `--password-stdin`).
    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Log in and store the session token (mode 0600).",
            discussion: """
                Asks for the password without echo; --password-stdin reads it from standard input.
                Example: postbox login advisor --server https://postbox.example:8443 --ca ca.pem
                """)

        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Your login.") var login: String
        @Flag(help: "Read the password from standard input (for scripts).") var passwordStdin = false

        func run() async throws {
            try await runReportingErrors {
                let password: String
                if passwordStdin {
                    password = readLine(strippingNewline: true) ?? ""
                } else {
                    guard let typed = getpass("Password for \(login): ") else {
                        throw CLIError(title: "No password", detail: "could not read the password", exitCode: 64)
                    }
                    password = String(cString: typed)
                }
                let body = try JSONSerialization.data(withJSONObject: ["login": login, "password": password])
                let (status, data) = try await APIClient.with(connection) {
                    try await $0.send(.POST, "/v1/session", body: body)
                }
                guard status == 201,
                    let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    let token = json["token"] as? String
                else { throw problem(status, data) }
                try CredentialStore().save(
                    .init(
                        server: try connection.serverURL, login: login, token: token,
                        expiresAt: json["expiresAt"] as? String))
                print("logged in as \(login)")
            }
        }
    }

    /// `postbox logout`: ends the session on the server and deletes the stored token.
    struct Logout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "End the session and forget the token.", discussion: "Example: postbox logout")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await runReportingErrors {
                let store = CredentialStore()
                guard let credentials = try store.load() else {
                    print("not logged in")
                    return
                }
                let (status, data) = try await APIClient.with(connection, token: credentials.token) {
                    try await $0.send(.DELETE, "/v1/session")
                }
                store.delete()
                guard status == 204 || status == 401 else { throw problem(status, data) }
                print("logged out")
            }
        }
    }

    /// `postbox whoami`: the account behind the stored session.
    struct WhoAmI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "whoami", abstract: "Show the logged-in account.", discussion: "Example: postbox whoami --json"
        )

        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await runReportingErrors {
                guard let credentials = try CredentialStore().load() else {
                    throw CLIError(title: "Not logged in", detail: "run postbox login LOGIN first", exitCode: 77)
                }
                let (status, data) = try await APIClient.with(connection, token: credentials.token) {
                    try await $0.send(.GET, "/v1/me")
                }
                guard status == 200, let me = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw problem(status, data)
                }
                if json {
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    print(
                        "\(me["login"] as? String ?? "?") (\(me["role"] as? String ?? "?")) — \(me["displayName"] as? String ?? "")"
                    )
                }
            }
        }
    }
}

extension PostboxCLI {
    /// `postbox terms [--accept]`: the postbox terms every account accepts before using tickets.
    struct Terms: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show whether you accepted the current postbox terms; --accept accepts them.",
            discussion: "Example: postbox terms --accept")

        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Accept the current terms.") var accept = false

        func run() async throws {
            try await runReportingErrors {
                try await withSession(connection) { api in
                    let me = try await api.object(.GET, "/v1/me")
                    let required = me["consentRequired"] as? String ?? ""
                    if accept, me["consentAccepted"] as? String != required {
                        _ = try await api.call(.POST, "/v1/me/consent", json: ["version": required], expect: [204])
                        print("accepted the postbox terms \(required)")
                    } else if me["consentAccepted"] as? String == required {
                        print("the postbox terms \(required) are accepted")
                    } else {
                        print("the postbox terms \(required) are not accepted yet: run postbox terms --accept")
                    }
                }
            }
        }
    }
}
