import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Postbox
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

extension PostboxServerCommand {
    /// `postbox-server serve`: runs the HTTPS server until SIGTERM or SIGINT.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the API over TLS (the default command).")

        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "Address to listen on (overrides the config file).") var host: String?
        @Option(help: "Port to listen on; 0 picks a free port.") var port: Int?

        /// Errors of `bind` the operator can act on (the port is taken, privileged, or the
        /// address is not this machine's).
        static let listenErrors: Set<Int32> = [EADDRINUSE, EACCES, EADDRNOTAVAIL]

        func run() async throws {
            restrictFileCreationMode()
            var config = try await withStartupErrors {
                try ServerConfiguration.load(dataDirectory: data.path, environment: ProcessInfo.processInfo.environment)
            }
            if let host { config.host = host }
            if let port { config.port = port }

            // One line per event in StreamLogHandler's layout, cheaper per request (LineLogHandler).
            LoggingSystem.bootstrap { LineLogHandler(label: $0) }
            var logger = Logger(label: "postbox")
            logger.logLevel = config.logLevel
            // One server per process: swift-metrics' backend (Hummingbird's request metrics) is its registry.
            let metrics = ServerMetrics()
            MetricsSystem.bootstrap(metrics.factory)
            let (announcer, host, finalConfig) = (logger, config.host, config)
            let listening = ListeningFlag()
            let app: any ApplicationProtocol = try await withStartupErrors {
                try buildApplication(finalConfig, logger: logger, metrics: metrics, onServerRunning: { channel in
                    listening.set()
                    let port = channel.localAddress?.port ?? 0
                    announcer.notice("listening", metadata: ["url": "https://\(host):\(port)"])
                })
            }
            do {
                try await app.runService()
            } catch let error as IOError where !listening.isSet && Self.listenErrors.contains(error.errnoCode) {
                // A port in use or not allowed is the operator's to fix: say which, without internals.
                let reason = String(cString: strerror(error.errnoCode)).lowercased()
                throw failStartup("cannot listen on \(host):\(finalConfig.port): \(reason)")
            }
        }
    }
}

/// Whether the server got as far as listening (an error after that is not about the address).
private final class ListeningFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
