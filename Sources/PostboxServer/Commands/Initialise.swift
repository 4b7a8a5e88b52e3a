import ArgumentParser
import Foundation
import Postbox

extension PostboxServerCommand {
    /// `postbox-server init`: makes a new data directory with configuration, master key,
    /// development certificates, database and a first admin with a one-time activation code.
    struct Initialise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init", abstract: "Create a new data directory with a first admin account.")

        @OptionGroup var data: DataDirectoryOptions
        @Option(help: "Login of the first admin.") var adminLogin: String = "admin"
        @Flag(help: "Print the result as one JSON object.") var json = false

        func run() async throws {
            restrictFileCreationMode()
            let config = ServerConfiguration(dataDirectory: data.path)
            let result = try await withStartupErrors {
                try await initialiseDataDirectory(config, adminLogin: adminLogin)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if json {
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(
                    """
                    Initialised \(config.dataDirectory.path)
                      configuration:   \(result.configFile)
                      master key:      \(config.keyFilePath)  (back it up separately; without it the data is unreadable)
                      CA to trust:     \(result.caFile)
                      first admin:     \(result.adminLogin)
                      activation code: \(result.activationCode)  (shown once; valid \(config.activationValidityDays) days)
                    """)
            }
        }
    }
}

/// What `init` made and prints.
struct InitialisationResult: Encodable, Sendable {
    let adminLogin: String
    let activationCode: String
    let caFile: String
    let configFile: String
}

/// Creates a data directory: private directory, development certificates (unless the
/// configured certificate exists), master key file (0600), config file, database with its
/// system keys, and a pending admin with a one-time activation code.
///
/// Refuses, changing nothing, if the directory already holds a config, key or database.
func initialiseDataDirectory(_ config: ServerConfiguration, adminLogin: String) async throws -> InitialisationResult {
    let dir = config.dataDirectory
    let fm = FileManager.default
    for existing in [dir.configFile, config.keyFilePath, config.databasePath] where fm.fileExists(atPath: existing) {
        throw ConfigurationError("\(dir.path) is already initialised (\(existing) exists); nothing was changed")
    }
    guard AccountService.isValidLogin(adminLogin) else { throw ConfigurationError("invalid admin login") }

    try SecureFile.createPrivateDirectory(dir.path)
    try SecureFile.createPrivateDirectory(dir.tlsDirectory)
    let caFile = dir.file(config.tls.caFile)
    if !fm.fileExists(atPath: dir.file(config.tls.certificateFile)) {
        let ca = try DevCertificateAuthority()
        let server = try ca.issueServerCertificate()
        try SecureFile.writeAtomically(Data(ca.certificatePEM.utf8), to: caFile, mode: 0o644)
        try SecureFile.writeAtomically(Data(ca.privateKeyPEM.utf8), to: dir.file("tls/ca-key.pem"), mode: 0o600)
        try SecureFile.writeAtomically(Data(server.certificatePEM.utf8), to: dir.file(config.tls.certificateFile), mode: 0o644)
        try SecureFile.writeAtomically(Data(server.privateKeyPEM.utf8), to: dir.file(config.tls.privateKeyFile), mode: 0o600)
    }

    let keyRing = try KeyRing(entries: [
        .init(id: KeyFile.newKeyID(), key: .random(), createdAt: ISO8601DateFormatter().string(from: Date()))
    ])
    try KeyFile.write(keyRing, to: config.keyFilePath)

    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try SecureFile.writeAtomically(try encoder.encode(config.fileRepresentation), to: dir.configFile, mode: 0o600)

    let store = try PostboxStore.open(path: config.databasePath, keyRing: keyRing, configuration: config.store)
    try await GRDBAuditLog(store: store).record(.by(nil, .systemInitialised, objectType: "system"))
    let (admin, code) = try await makeAccountService(store: store, config: config).createUser(
        NewUser(login: adminLogin, role: .admin, displayName: "Administrator"), by: nil)
    return InitialisationResult(adminLogin: admin.login, activationCode: code, caFile: caFile, configFile: dir.configFile)
}
