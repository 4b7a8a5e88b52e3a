import ArgumentParser
import Foundation
import Postbox

extension PostboxServerCommand {
    /// `postbox-server certs issue`: a client certificate for a staff account, from the data directory's CA.
    struct Certs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Client certificates for staff (mutual TLS).",
            subcommands: [Issue.self])

        struct Issue: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Issue a client certificate for a staff login, signed by the data directory's CA.",
                discussion: """
                    Writes LOGIN.pem (the certificate, common name LOGIN) and LOGIN-key.pem (its private key,
                    mode 0600) into --out. With tls.staffClientCertificates on, advisors, DPOs and admins must
                    connect with the certificate of their own login (postbox --cert FILE --key FILE). Uses
                    tls/ca-key.pem, which init writes; with a CA of your own, issue the certificates there
                    (client authentication, common name = login).
                    """)

            @OptionGroup var data: DataDirectoryOptions
            @Option(help: "The staff login the certificate is for (its common name).") var login: String
            @Option(help: "Directory to write LOGIN.pem and LOGIN-key.pem into.") var out: String = "."
            @Option(help: "Days the certificate is valid.") var days: Int = 365

            func validate() throws {
                guard (1...3650).contains(days) else { throw ValidationError("--days must be 1 to 3650") }
                guard AccountService.isValidLogin(login) else {
                    throw ValidationError("--login must be a login (ASCII letters, digits, . _ - @)")
                }
            }

            func run() async throws {
                restrictFileCreationMode()
                let (certificateFile, keyFile) = try await withStartupErrors {
                    let config = try ServerConfiguration.load(
                        dataDirectory: data.path, environment: ProcessInfo.processInfo.environment)
                    let caKeyFile = config.dataDirectory.file("tls/ca-key.pem")
                    let caFile = config.dataDirectory.file(config.tls.caFile)
                    guard let caKey = try? String(contentsOfFile: caKeyFile, encoding: .utf8),
                        let caCertificate = try? String(contentsOfFile: caFile, encoding: .utf8)
                    else {
                        throw ConfigurationError(
                            "no CA key at \(caKeyFile): issue client certificates with the CA that signed \(caFile)")
                    }
                    let ca = try DevCertificateAuthority(certificatePEM: caCertificate, privateKeyPEM: caKey)
                    let issued = try ca.issueClientCertificate(commonName: login, validity: TimeInterval(days) * 86_400)
                    let directory = URL(fileURLWithPath: out)
                    let certificateFile = directory.appendingPathComponent("\(login).pem").path
                    let keyFile = directory.appendingPathComponent("\(login)-key.pem").path
                    for existing in [certificateFile, keyFile] where FileManager.default.fileExists(atPath: existing) {
                        throw ConfigurationError("\(existing) exists; nothing was written (remove it or choose another --out)")
                    }
                    do {
                        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                    } catch {
                        throw ConfigurationError("cannot create \(out)")
                    }
                    try SecureFile.writeAtomically(Data(issued.privateKeyPEM.utf8), to: keyFile, mode: 0o600)
                    try SecureFile.writeAtomically(Data(issued.certificatePEM.utf8), to: certificateFile, mode: 0o644)
                    return (certificateFile, keyFile)
                }
                print("wrote \(certificateFile) and \(keyFile) (keep the key with the person it is for)")
            }
        }
    }
}
