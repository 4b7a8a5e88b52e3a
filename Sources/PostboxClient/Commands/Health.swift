import ArgumentParser
import Foundation
import NIOHTTP1

extension PostboxCLI {
    /// `postbox health`: checks that the server answers over verified TLS.
    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that the server is up (verified TLS).",
            discussion: "Example: postbox health --server https://localhost:8443 --ca data/tls/ca.pem")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            try await runReportingErrors {
                let (status, body) = try await APIClient.with(connection) { try await $0.send(.GET, "/health") }
                guard status == 200 else {
                    throw CLIError(title: "Unhealthy", detail: "the server answered \(status)", exitCode: 69)
                }
                print(String(decoding: body, as: UTF8.self))
            }
        }
    }
}
