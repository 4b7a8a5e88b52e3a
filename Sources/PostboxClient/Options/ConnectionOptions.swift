import ArgumentParser
import Foundation

/// Where the server is and which CA to trust; shared by every command.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Server URL, e.g. https://localhost:8443 (or POSTBOX_SERVER).")
    var server: String?

    @Option(name: .long, help: "PEM file of the CA to trust; no other CA is trusted (or POSTBOX_CA).")
    var ca: String?

    @Option(name: .long, help: "PEM client certificate for mutual TLS (or POSTBOX_CLIENT_CERT).")
    var cert: String?

    @Option(name: .long, help: "PEM private key of the client certificate (or POSTBOX_CLIENT_KEY).")
    var key: String?

    /// The client certificate and key for mutual TLS, if both are configured.
    var clientIdentity: (certificate: String, key: String)? {
        get throws {
            let env = ProcessInfo.processInfo.environment
            let certificate = cert ?? env["POSTBOX_CLIENT_CERT"].flatMap { $0.isEmpty ? nil : $0 }
            let privateKey = key ?? env["POSTBOX_CLIENT_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            switch (certificate, privateKey) {
            case (nil, nil): return nil
            case (let c?, let k?): return (c, k)
            default: throw ValidationError("give both --cert and --key (or POSTBOX_CLIENT_CERT and POSTBOX_CLIENT_KEY)")
            }
        }
    }

    /// The server URL from the flag or the environment.
    var serverURL: String {
        get throws {
            guard let value = server ?? ProcessInfo.processInfo.environment["POSTBOX_SERVER"], !value.isEmpty else {
                throw ValidationError("no server: pass --server URL or set POSTBOX_SERVER")
            }
            guard value.hasPrefix("https://") else { throw ValidationError("the server URL must start with https://") }
            return value.hasSuffix("/") ? String(value.dropLast()) : value
        }
    }

    /// The CA file from the flag or the environment.
    var caFile: String {
        get throws {
            guard let value = ca ?? ProcessInfo.processInfo.environment["POSTBOX_CA"], !value.isEmpty else {
                throw ValidationError("no CA: pass --ca FILE or set POSTBOX_CA")
            }
            return value
        }
    }
}
