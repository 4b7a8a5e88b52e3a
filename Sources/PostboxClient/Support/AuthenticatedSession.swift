import Foundation
import NIOHTTP1

/// Runs `body` with a client that carries the stored session token; exit 77 without one.
func withSession<T>(_ connection: ConnectionOptions, _ body: (APIClient) async throws -> T) async throws -> T {
    guard let credentials = try CredentialStore().load() else {
        throw CLIError(title: "Not logged in", detail: "run postbox login LOGIN first", exitCode: 77)
    }
    return try await APIClient.with(connection, token: credentials.token, body)
}

/// Path segments are ids and numbers from people: percent-encode them.
func segment(_ value: String) -> String {
    value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
        ?? value
}

/// Query strings from optional parameters.
func query(_ items: [(String, String?)]) -> String {
    var components = URLComponents()
    components.queryItems = items.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
    let text = components.percentEncodedQuery ?? ""
    return text.isEmpty ? "" : "?" + text
}

/// One call with the stored session: prints the API's JSON with `--json`, else `message`.
func perform(
    _ connection: ConnectionOptions, _ output: OutputOptions, _ method: HTTPMethod, _ path: String, json: Any? = nil,
    message: String
) async throws {
    try await runReportingErrors {
        let data = try await withSession(connection) { api in try await api.call(method, path, json: json) }
        if output.json { Output.printJSON(data) } else { print(message) }
    }
}
