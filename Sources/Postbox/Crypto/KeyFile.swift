import Foundation

/// Reads and writes the master key file, and reads master keys from the environment.
///
/// File format (JSON, mode 0600):
/// `{"format":"postbox-keys/1","keys":[{"id":"mk-…","key":"<base64 32 bytes>","createdAt":"…"}]}`;
/// the first key is the active one. The environment variable `POSTBOX_MASTER_KEYS` holds
/// `id:base64[,id:base64…]`, first active, and takes precedence over the file.
public enum KeyFile {
    /// Name of the environment variable with master keys.
    public static let environmentVariable = "POSTBOX_MASTER_KEYS"

    struct Document: Codable {
        struct Key: Codable {
            var id: String
            var key: String
            var createdAt: String?
        }
        var format: String
        var keys: [Key]
    }

    static let format = "postbox-keys/1"

    /// Loads the key ring from `environment` if it names keys, otherwise from the file at `path`.
    ///
    /// - Throws: ``KeyFileError`` if the file is missing, readable by group or others, or malformed.
    public static func loadKeyRing(path: String, environment: [String: String]) throws -> KeyRing {
        if let value = environment[environmentVariable], !value.isEmpty {
            return try parseEnvironment(value)
        }
        return try load(path: path)
    }

    /// Loads the key ring from the file at `path`, refusing files that others could read.
    public static func load(path: String) throws -> KeyRing {
        let fm = FileManager.default
        guard fm.fileExists(atPath: path) else { throw KeyFileError.missing(path: path) }
        let attributes = try fm.attributesOfItem(atPath: path)
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        guard mode & 0o077 == 0 else { throw KeyFileError.insecurePermissions(path: path, mode: mode) }
        guard var data = fm.contents(atPath: path) else { throw KeyFileError.missing(path: path) }
        defer { data.resetBytes(in: 0..<data.count) }
        guard let document = try? JSONDecoder().decode(Document.self, from: data), document.format == format else {
            throw KeyFileError.malformed(path: path)
        }
        return try makeRing(document.keys.map { ($0.id, $0.key, $0.createdAt) }, source: path)
    }

    /// Parses `id:base64[,id:base64…]`.
    static func parseEnvironment(_ value: String) throws -> KeyRing {
        let parts = value.split(separator: ",").map { part -> (String, String, String?) in
            let pieces = part.split(separator: ":", maxSplits: 1).map(String.init)
            return (pieces.first ?? "", pieces.count == 2 ? pieces[1] : "", nil)
        }
        return try makeRing(parts, source: environmentVariable)
    }

    private static func makeRing(_ keys: [(String, String, String?)], source: String) throws -> KeyRing {
        var entries: [KeyRing.Entry] = []
        var seen = Set<String>()
        for (id, base64, createdAt) in keys {
            guard !id.isEmpty, seen.insert(id).inserted, var raw = Data(base64Encoded: base64), raw.count == 32 else {
                throw KeyFileError.malformed(path: source)
            }
            defer { raw.resetBytes(in: 0..<raw.count) }
            entries.append(.init(id: id, key: try SecretKey(bytes: raw), createdAt: createdAt))
        }
        guard !entries.isEmpty else { throw KeyFileError.malformed(path: source) }
        return try KeyRing(entries: entries)
    }

    /// Writes `ring` to `path` with mode 0600, atomically (temp file, fsync, rename).
    public static func write(_ ring: KeyRing, to path: String) throws {
        let document = Document(
            format: format,
            keys: ring.entries.map { entry in
                var raw = entry.key.exportBytes()
                defer { raw.zeroize() }
                return .init(id: entry.id, key: Data(raw).base64EncodedString(), createdAt: entry.createdAt)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var data = try encoder.encode(document)
        defer { data.resetBytes(in: 0..<data.count) }
        try SecureFile.writeAtomically(data, to: path, mode: 0o600)
    }

    /// A new key id, e.g. `mk-20261122T103000Z-1a2b3c`.
    public static func newKeyID(now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let suffix = SecureRandom.bytes(3).map { String(format: "%02x", $0) }.joined()
        return "mk-\(formatter.string(from: now))-\(suffix)"
    }
}

/// Why a master key could not be loaded. Messages name the file, never key material.
public enum KeyFileError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    case insecurePermissions(path: String, mode: Int)
    case malformed(path: String)

    public var description: String {
        switch self {
        case .missing(let path):
            "master key file \(path) is missing; refusing to start (never creating a new key for existing data)"
        case .insecurePermissions(let path, let mode):
            "master key file \(path) has mode \(String(mode, radix: 8)); it must not be readable by group or others (chmod 600)"
        case .malformed(let path):
            "master keys in \(path) are malformed (expected postbox-keys/1 with base64 32-byte keys)"
        }
    }
}
