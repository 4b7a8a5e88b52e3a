import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The stored session: `$XDG_CONFIG_HOME/postbox/credentials` (or `~/.config/postbox/credentials`),
/// mode 0600 in a 0700 directory. A file others can read is refused, not used.
struct CredentialStore {
    struct Credentials: Codable, Equatable {
        var server: String
        var login: String
        var token: String
        var expiresAt: String?
    }

    let directory: String

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".config")
        directory = (base as NSString).appendingPathComponent("postbox")
    }

    var file: String { (directory as NSString).appendingPathComponent("credentials") }

    /// The stored credentials, or nil when there are none.
    ///
    /// - Throws: ``CLIError`` (exit 77) when the file is readable by group or others.
    func load() throws -> Credentials? {
        let fm = FileManager.default
        guard fm.fileExists(atPath: file) else { return nil }
        let mode = (try? fm.attributesOfItem(atPath: file)[.posixPermissions] as? Int) ?? 0o777
        guard mode & 0o077 == 0 else {
            throw CLIError(
                title: "Insecure credentials file",
                detail: "\(file) has mode \(String(mode, radix: 8)); run chmod 600 or log in again", exitCode: 77)
        }
        guard let data = fm.contents(atPath: file),
            let credentials = try? JSONDecoder().decode(Credentials.self, from: data)
        else { throw CLIError(title: "Unreadable credentials", detail: "\(file): log in again", exitCode: 77) }
        return credentials
    }

    /// Writes the credentials with mode 0600 (directory 0700), replacing the old file atomically.
    func save(_ credentials: Credentials) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o700)
        let data = try JSONEncoder().encode(credentials)
        let temporary = file + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
            chmod(temporary, 0o600) == 0,
            let handle = FileHandle(forWritingAtPath: temporary)
        else {
            throw CLIError(title: "Cannot store credentials", detail: temporary, exitCode: 1)
        }
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, file) == 0 else {
            throw CLIError(title: "Cannot store credentials", detail: file, exitCode: 1)
        }
    }

    func delete() {
        try? FileManager.default.removeItem(atPath: file)
    }
}
