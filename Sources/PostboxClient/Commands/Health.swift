import ArgumentParser
import Foundation
import NIOHTTP1

extension PostboxCLI {
    /// `postbox health`: checks that the server answers over verified TLS.
    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check that the server is up (verified TLS).")

        @OptionGroup var connection: ConnectionOptions

        func run() async throws {
            let client = try APIClient(connection: connection)
            do {
                let (status, body) = try await client.send(.GET, "/health")
                await client.shutdown()
                guard status == 200 else {
                    throw CLIError(title: "Unhealthy", detail: "the server answered \(status)", exitCode: 69)
                }
                print(String(decoding: body, as: UTF8.self))
            } catch let error as CLIError {
                await client.shutdown()
                FileHandle.standardError.write(Data("postbox: \(error.description)\n".utf8))
                throw ExitCode(error.exitCode)
            }
        }
    }
}
