import Foundation
import Logging
import Postbox

/// Everything the server needs to run, parsed once at the edge: defaults, then the config
/// file in the data directory (`postbox.json`), then `POSTBOX_*` environment variables, then flags.
struct ServerConfiguration: Sendable, Equatable {
    /// Files of a data directory.
    struct DataDirectory: Sendable, Equatable {
        let path: String

        var configFile: String { file("postbox.json") }
        var defaultKeyFile: String { file("master.key") }
        var defaultDatabase: String { file("postbox.sqlite") }
        var tlsDirectory: String { file("tls") }

        /// `name` resolved against the data directory unless it is absolute.
        func file(_ name: String) -> String {
            name.hasPrefix("/") ? name : (path as NSString).appendingPathComponent(name)
        }
    }

    struct TLS: Sendable, Equatable, Codable {
        /// PEM certificate chain of the server, leaf first.
        var certificateFile: String = "tls/server.pem"
        /// PEM private key of the server.
        var privateKeyFile: String = "tls/server-key.pem"
        /// PEM CA certificate clients should trust (printed for people; also the trust anchor for client certificates).
        var caFile: String = "tls/ca.pem"
        /// HSTS max-age in seconds (two years by default).
        var hstsMaxAge: Int = 63_072_000
        /// Mutual TLS for staff: advisors, DPOs and admins must connect with a client certificate
        /// from `caFile` whose common name is their login (`postbox-server certs issue`).
        var staffClientCertificates: Bool = false

        init() {}

        enum CodingKeys: String, CodingKey {
            case certificateFile, privateKeyFile, caFile, hstsMaxAge, staffClientCertificates
        }

        /// Keys left out keep their defaults (files written before a key existed stay valid).
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = TLS()
            certificateFile = try c.decodeIfPresent(String.self, forKey: .certificateFile) ?? defaults.certificateFile
            privateKeyFile = try c.decodeIfPresent(String.self, forKey: .privateKeyFile) ?? defaults.privateKeyFile
            caFile = try c.decodeIfPresent(String.self, forKey: .caFile) ?? defaults.caFile
            hstsMaxAge = try c.decodeIfPresent(Int.self, forKey: .hstsMaxAge) ?? defaults.hstsMaxAge
            staffClientCertificates =
                try c.decodeIfPresent(Bool.self, forKey: .staffClientCertificates) ?? defaults.staffClientCertificates
        }
    }

    struct Limits: Sendable, Equatable, Codable {
        /// Largest accepted request body in bytes (413 above).
        var maxRequestBodyBytes: Int = 1 << 20
        /// Seconds an idle connection is kept open.
        var idleTimeoutSeconds: Int = 60
        /// Connections served at once; further ones wait in the listen backlog until one closes.
        var maxConnections: Int = 1000
        /// Seconds a new connection may take to finish its TLS handshake before it is closed.
        var handshakeTimeoutSeconds: Int = 10

        init() {}

        enum CodingKeys: String, CodingKey {
            case maxRequestBodyBytes, idleTimeoutSeconds, maxConnections, handshakeTimeoutSeconds
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Limits()
            maxRequestBodyBytes =
                try c.decodeIfPresent(Int.self, forKey: .maxRequestBodyBytes) ?? defaults.maxRequestBodyBytes
            idleTimeoutSeconds =
                try c.decodeIfPresent(Int.self, forKey: .idleTimeoutSeconds) ?? defaults.idleTimeoutSeconds
            maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? defaults.maxConnections
            handshakeTimeoutSeconds =
                try c.decodeIfPresent(Int.self, forKey: .handshakeTimeoutSeconds) ?? defaults.handshakeTimeoutSeconds
        }
    }

    var dataDirectory: DataDirectory
    var host: String = "127.0.0.1"
    var port: Int = 8443
    /// Port of the loopback-only metrics listener (plain HTTP on 127.0.0.1); nil: none.
    var metricsPort: Int?
    var tls = TLS()
    var limits = Limits()
    var store = StoreConfiguration()
    var ipAnonymisation = IPAnonymisation()
    var masterKeyFile: String = "master.key"
    var databaseFile: String = "postbox.sqlite"
    var passwordHashing: PasswordHasher.Strength = .interactive
    /// Where Argon2id runs (not in the file: the process's pool; tests pass a small one).
    var hashingPool: HashingPool = .shared
    /// Days an activation code stays valid.
    var activationValidityDays: Int = 14
    var sessions = SessionSettings()
    var loginThrottle = LoginThrottleSettings()
    /// Version of the postbox terms every user must accept before using tickets.
    var termsVersion: String = "2026-11"
    /// Reopen window, rectification window, service number prefix, text limits.
    var tickets = TicketSettings()
    /// Per-role policy for special categories found in free text (reject, warn, hold).
    var specialCategories = SpecialCategorySettings()
    /// Controller, purposes, legal bases and recipients, stated in every Art. 15 export.
    var privacy = PrivacyNotice.placeholder
    /// How long entries are kept and the legal hold on contract correspondence.
    var retention = RetentionSettings()
    /// Size and count limits of attachments.
    var attachments = AttachmentSettings()
    /// Per-account limit on new messages, tickets and attachments.
    var rateLimits = RateLimitSettings()
    /// Thread pages kept in memory to answer a repeated read (0 MB: off).
    var pageCache = PageCacheSettings()
    var logLevel: Logger.Level = .info
    /// Environment the server was started with (for `POSTBOX_MASTER_KEYS`).
    var environment: [String: String] = [:]

    init(dataDirectory: String) {
        self.dataDirectory = DataDirectory(path: dataDirectory)
    }

    var keyFilePath: String { dataDirectory.file(masterKeyFile) }
    var databasePath: String { dataDirectory.file(databaseFile) }

    // MARK: - Loading

    /// The config file's shape: every key optional, so a file names only what it changes.
    struct File: Codable, Equatable {
        var host: String?
        var port: Int?
        var metricsPort: Int?
        var tls: TLS?
        var limits: Limits?
        var store: StoreConfiguration?
        var ipAnonymisation: IPAnonymisation?
        var masterKeyFile: String?
        var databaseFile: String?
        var passwordHashing: PasswordHasher.Strength?
        var activationValidityDays: Int?
        var sessions: SessionSettings?
        var loginThrottle: LoginThrottleSettings?
        var termsVersion: String?
        var tickets: TicketSettings?
        var specialCategories: SpecialCategorySettings?
        var privacy: PrivacyNotice?
        var retention: RetentionSettings?
        var attachments: AttachmentSettings?
        var rateLimits: RateLimitSettings?
        var pageCache: PageCacheSettings?
        var logLevel: String?
    }

    /// Loads the configuration of `dataDirectory`: file, then environment.
    static func load(dataDirectory: String, environment: [String: String]) throws -> ServerConfiguration {
        var config = ServerConfiguration(dataDirectory: dataDirectory)
        config.environment = environment
        let path = config.dataDirectory.configFile
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(
                "no configuration at \(path); run `postbox-server init --data-dir \(dataDirectory)` first")
        }
        // A file names only what it changes, at any depth: it is laid over the defaults, object
        // by object (`{"tickets": {"reopenWindowDays": 7}}` keeps the other ticket settings).
        guard let given = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConfigurationError("configuration \(path) is not valid: not a JSON object")
        }
        let file: File
        do {
            let defaults = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config.fileRepresentation))
            let merged = Self.overlay(given, on: defaults as? [String: Any] ?? [:])
            file = try JSONDecoder().decode(File.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch {
            throw ConfigurationError("configuration \(path) is not valid: \(Self.describe(error))")
        }
        try config.apply(file)
        try config.applyEnvironment(environment)
        return config
    }

    mutating func apply(_ file: File) throws {
        if let v = file.host { host = v }
        if let v = file.port { port = v }
        if let v = file.metricsPort {
            guard (0...65_535).contains(v) else { throw ConfigurationError("metricsPort must be a port number") }
            metricsPort = v
        }
        if let v = file.tls { tls = v }
        if let v = file.limits {
            guard v.maxRequestBodyBytes > 0, v.idleTimeoutSeconds > 0, v.maxConnections > 0,
                v.handshakeTimeoutSeconds > 0
            else {
                throw ConfigurationError(
                    "limits.maxRequestBodyBytes, idleTimeoutSeconds, maxConnections and handshakeTimeoutSeconds must be positive"
                )
            }
            limits = v
        }
        if let v = file.store { store = v }
        if let v = file.ipAnonymisation { ipAnonymisation = v }
        if let v = file.masterKeyFile { masterKeyFile = v }
        if let v = file.databaseFile { databaseFile = v }
        if let v = file.passwordHashing { passwordHashing = v }
        if let v = file.activationValidityDays { activationValidityDays = v }
        if let v = file.sessions { sessions = v }
        if let v = file.loginThrottle { loginThrottle = v }
        if let v = file.termsVersion { termsVersion = v }
        if let v = file.tickets { tickets = v }
        if let v = file.specialCategories { specialCategories = v }
        if let v = file.privacy { privacy = v }
        if let v = file.retention {
            if let problem = v.problems.first { throw ConfigurationError(problem) }
            retention = v
        }
        if let v = file.attachments {
            guard v.maxBytes > 0, v.maxPerTicket > 0 else {
                throw ConfigurationError("attachments.maxBytes and attachments.maxPerTicket must be positive")
            }
            attachments = v
        }
        if let v = file.rateLimits {
            guard v.entriesPerMinute >= 0, v.burst >= 1 else {
                throw ConfigurationError(
                    "rateLimits.entriesPerMinute must not be negative and rateLimits.burst must be positive")
            }
            rateLimits = v
        }
        if let v = file.pageCache {
            guard v.maxMegabytes >= 0, v.maxAgeSeconds >= 0 else {
                throw ConfigurationError("pageCache.maxMegabytes and pageCache.maxAgeSeconds must not be negative")
            }
            pageCache = v
        }
        if let v = file.logLevel {
            guard let level = Logger.Level(rawValue: v) else { throw ConfigurationError("logLevel \(v) is unknown") }
            logLevel = level
        }
    }

    /// `POSTBOX_HOST`, `POSTBOX_PORT`, `POSTBOX_METRICS_PORT`, `POSTBOX_LOG_LEVEL`, `POSTBOX_DB_SYNCHRONOUS`,
    /// `POSTBOX_MAX_BODY_BYTES`, `POSTBOX_ENTRIES_PER_MINUTE`, `POSTBOX_PAGE_CACHE_MB`, `POSTBOX_MASTER_KEY_FILE`,
    /// `POSTBOX_TLS_CERT`, `POSTBOX_TLS_KEY`, `POSTBOX_STAFF_CLIENT_CERTIFICATES`.
    mutating func applyEnvironment(_ env: [String: String]) throws {
        if let v = env["POSTBOX_HOST"] { host = v }
        if let v = env["POSTBOX_PORT"] {
            guard let p = Int(v) else { throw ConfigurationError("POSTBOX_PORT must be a number") }
            port = p
        }
        if let v = env["POSTBOX_METRICS_PORT"] {
            guard let p = Int(v), (0...65_535).contains(p) else {
                throw ConfigurationError("POSTBOX_METRICS_PORT must be a port number")
            }
            metricsPort = p
        }
        if let v = env["POSTBOX_LOG_LEVEL"] {
            guard let level = Logger.Level(rawValue: v) else {
                throw ConfigurationError("POSTBOX_LOG_LEVEL \(v) is unknown")
            }
            logLevel = level
        }
        if let v = env["POSTBOX_DB_SYNCHRONOUS"] {
            guard let s = StoreConfiguration.Synchronous(rawValue: v.uppercased()) else {
                throw ConfigurationError("POSTBOX_DB_SYNCHRONOUS must be FULL or NORMAL")
            }
            store.synchronous = s
        }
        if let v = env["POSTBOX_MAX_BODY_BYTES"] {
            guard let n = Int(v), n > 0 else {
                throw ConfigurationError("POSTBOX_MAX_BODY_BYTES must be a positive number")
            }
            limits.maxRequestBodyBytes = n
        }
        if let v = env["POSTBOX_ENTRIES_PER_MINUTE"] {
            guard let n = Int(v), n >= 0 else {
                throw ConfigurationError("POSTBOX_ENTRIES_PER_MINUTE must be 0 (off) or positive")
            }
            rateLimits.entriesPerMinute = n
        }
        if let v = env["POSTBOX_PAGE_CACHE_MB"] {
            guard let n = Int(v), n >= 0 else {
                throw ConfigurationError("POSTBOX_PAGE_CACHE_MB must be 0 (off) or positive")
            }
            pageCache.maxMegabytes = n
        }
        if let v = env["POSTBOX_MASTER_KEY_FILE"] { masterKeyFile = v }
        if let v = env["POSTBOX_TLS_CERT"] { tls.certificateFile = v }
        if let v = env["POSTBOX_TLS_KEY"] { tls.privateKeyFile = v }
        if let v = env["POSTBOX_STAFF_CLIENT_CERTIFICATES"] {
            switch v.lowercased() {
            case "on", "true", "1": tls.staffClientCertificates = true
            case "off", "false", "0": tls.staffClientCertificates = false
            default: throw ConfigurationError("POSTBOX_STAFF_CLIENT_CERTIFICATES must be on or off")
            }
        }
    }

    /// The file written by `init`: the defaults, spelled out so operators see what they can change.
    var fileRepresentation: File {
        File(
            host: host, port: port, metricsPort: metricsPort, tls: tls, limits: limits, store: store,
            ipAnonymisation: ipAnonymisation,
            masterKeyFile: masterKeyFile, databaseFile: databaseFile, passwordHashing: passwordHashing,
            activationValidityDays: activationValidityDays, sessions: sessions, loginThrottle: loginThrottle,
            termsVersion: termsVersion, tickets: tickets, specialCategories: specialCategories, privacy: privacy,
            retention: retention, attachments: attachments, rateLimits: rateLimits, pageCache: pageCache,
            logLevel: logLevel.rawValue)
    }

    /// `given` over `defaults`: objects are merged key by key, anything else (numbers,
    /// strings, arrays, null) replaces the default.
    static func overlay(_ given: [String: Any], on defaults: [String: Any]) -> [String: Any] {
        var merged = defaults
        for (key, value) in given {
            if let inner = value as? [String: Any], let base = defaults[key] as? [String: Any] {
                merged[key] = overlay(inner, on: base)
            } else {
                merged[key] = value
            }
        }
        return merged
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
            DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not JSON" : "bad value at \(path)"
        default:
            return "unreadable"
        }
    }
}

/// The configuration cannot be used; the message says what to fix.
struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    let description: String
    init(_ description: String) { self.description = description }
}
