/// Errors of the crypto core. Messages never contain key material or plaintext.
public struct CryptoError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case invalidKeyLength
        case decryptionFailed
        case malformedCiphertext
        case unknownKeyID
        case hashingFailed
        case noActiveKey
    }

    let code: Code
    /// A fixed, content-free explanation.
    public let description: String

    /// The key is not 32 bytes long.
    public static let invalidKeyLength = CryptoError(code: .invalidKeyLength, description: "key must be 32 bytes")
    /// Authentication failed: wrong key, tampered ciphertext or ciphertext moved to another field or row.
    public static let decryptionFailed = CryptoError(
        code: .decryptionFailed,
        description: "decryption failed: wrong key, tampered data, or data moved to another field or row")
    /// The stored value is too short or has an unknown format version.
    public static let malformedCiphertext = CryptoError(code: .malformedCiphertext, description: "malformed ciphertext")
    /// A wrapped key names a master key id the key ring does not hold.
    public static let unknownKeyID = CryptoError(code: .unknownKeyID, description: "unknown master key id")
    /// Argon2id could not allocate its memory.
    public static let hashingFailed = CryptoError(code: .hashingFailed, description: "password hashing failed")
    /// The key ring holds no active master key.
    public static let noActiveKey = CryptoError(code: .noActiveKey, description: "no active master key")
}
