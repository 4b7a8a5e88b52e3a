import CSodium

/// Process-wide libsodium initialisation.
///
/// `sodium_init()` is idempotent and thread-safe; every crypto entry point calls
/// ``Sodium/ensureInitialised()`` first so no caller has to remember it.
enum Sodium {
    private static let initialised: Bool = sodium_init() >= 0

    static func ensureInitialised() {
        precondition(initialised, "libsodium failed to initialise")
    }
}

/// Cryptographically secure random bytes from libsodium.
public enum SecureRandom {
    /// Returns `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { fill($0) }
        return out
    }

    /// Fills `buffer` with random bytes (one call of the kernel's generator, nothing allocated).
    static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        Sodium.ensureInitialised()
        if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
    }

    /// A uniformly distributed integer in `0..<upperBound`.
    public static func uniform(_ upperBound: UInt32) -> UInt32 {
        Sodium.ensureInitialised()
        return randombytes_uniform(upperBound)
    }
}

/// Constant-time comparison of two byte sequences of equal length.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    return a.withUnsafeBytes { pa in
        b.withUnsafeBytes { pb in sodium_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 }
    }
}
