import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Postbox

extension PostboxServerCommand {
    /// `postbox-server serve`: runs the HTTPS server until SIGTERM or SIGINT.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the API over TLS (the default command).")

        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "Address to listen on (overrides the config file).") var host: String?
        @Option(help: "Port to listen on; 0 picks a free port.") var port: Int?

        func run() async throws {
            restrictFileCreationMode()
            var config: ServerConfiguration
            do {
                config = try ServerConfiguration.load(
                    dataDirectory: data.path, environment: ProcessInfo.processInfo.environment)
            } catch let error as ConfigurationError {
                throw failStartup(error.description)
            }
            if let host { config.host = host }
            if let port { config.port = port }

            var logger = Logger(label: "postbox")
            logger.logLevel = config.logLevel
            let app: any ApplicationProtocol
            let (announcer, host) = (logger, config.host)
            do {
                app = try buildApplication(config, logger: logger, onServerRunning: { channel in
                    let port = channel.localAddress?.port ?? 0
                    announcer.notice("listening", metadata: ["url": "https://\(host):\(port)"])
                })
            } catch let error as ConfigurationError {
                throw failStartup(error.description)
            } catch let error as KeyFileError {
                throw failStartup(error.description)
            } catch let error as StoreError {
                throw failStartup(error.description)
            }
            try await app.runService()
        }
    }
}
