import CSodium

/// Argon2id password and activation-code hashing (`crypto_pwhash_str`).
///
/// `hash` and `verify` run on a ``HashingPool``, never on the caller's (cooperative) thread.
public struct PasswordHasher: Sendable {
    /// Work factors; `.interactive` is libsodium's recommendation for online logins.
    public enum Strength: String, Sendable, Codable, CaseIterable {
        /// OPSLIMIT/MEMLIMIT_INTERACTIVE (2 passes, 64 MiB).
        case interactive
        /// OPSLIMIT/MEMLIMIT_MODERATE (3 passes, 256 MiB).
        case moderate
        /// OPSLIMIT/MEMLIMIT_MIN: only for tests that hash many passwords.
        case minimum

        var limits: (ops: UInt64, mem: Int) {
            switch self {
            case .interactive:
                (UInt64(crypto_pwhash_OPSLIMIT_INTERACTIVE), Int(crypto_pwhash_MEMLIMIT_INTERACTIVE))
            case .moderate: (UInt64(crypto_pwhash_OPSLIMIT_MODERATE), Int(crypto_pwhash_MEMLIMIT_MODERATE))
            case .minimum: (UInt64(crypto_pwhash_OPSLIMIT_MIN), Int(crypto_pwhash_MEMLIMIT_MIN))
            }
        }
    }

    /// The work factor for new hashes.
    public let strength: Strength

    /// The threads the work runs on.
    public let pool: HashingPool

    /// Creates a hasher with the given work factor whose work runs on `pool`.
    public init(strength: Strength = .interactive, pool: HashingPool = .shared) {
        self.strength = strength
        self.pool = pool
    }

    /// Hashes `password` into a self-describing `$argon2id$...` string with a random salt.
    ///
    /// - Throws: ``PostboxError`` `.busy` when the pool is full, `CryptoError.hashingFailed`.
    public func hash(_ password: String) async throws -> String {
        let strength = strength
        return try await pool.run { try Self.hashNow(password, strength: strength) }
    }

    /// Verifies `password` against a stored hash in constant time. Any malformed hash is `false`.
    ///
    /// - Throws: ``PostboxError`` `.busy` when the pool is full (nothing was checked).
    public func verify(_ password: String, against stored: String) async throws -> Bool {
        try await pool.run { Self.verifyNow(password, against: stored) }
    }

    /// `hash` on the calling thread: only for start-up, before requests are served.
    public func hashNow(_ password: String) throws -> String {
        try Self.hashNow(password, strength: strength)
    }

    static func hashNow(_ password: String, strength: Strength) throws -> String {
        Sodium.ensureInitialised()
        var out = [CChar](repeating: 0, count: Int(crypto_pwhash_STRBYTES))
        var pw = Array(password.utf8)
        defer { pw.zeroize() }
        let (ops, mem) = strength.limits
        guard crypto_pwhash_str_alg(&out, pw, UInt64(pw.count), ops, mem, crypto_pwhash_ALG_ARGON2ID13) == 0 else {
            throw CryptoError.hashingFailed
        }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func verifyNow(_ password: String, against stored: String) -> Bool {
        Sodium.ensureInitialised()
        var pw = Array(password.utf8)
        defer { pw.zeroize() }
        let storedC = Array(stored.utf8CString)
        guard storedC.count <= Int(crypto_pwhash_STRBYTES) else { return false }
        return crypto_pwhash_str_verify(storedC, pw, UInt64(pw.count)) == 0
    }

    /// Whether `stored` was made with other work factors than this hasher's.
    public func needsRehash(_ stored: String) -> Bool {
        let (ops, mem) = strength.limits
        return crypto_pwhash_str_needs_rehash(Array(stored.utf8CString), ops, mem) != 0
    }
}
