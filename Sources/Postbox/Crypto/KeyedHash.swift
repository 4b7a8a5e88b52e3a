import CSodium

/// Keyed BLAKE2b-256 (`crypto_generichash`), used for blind indexes and token hashes.
public enum KeyedHash {
    /// Output length in bytes.
    public static let outputBytes = 32

    /// BLAKE2b-256 of `message` keyed with `key`.
    public static func hash(_ message: some Collection<UInt8>, key: SecretKey) -> [UInt8] {
        Sodium.ensureInitialised()
        let input = Array(message)
        var out = [UInt8](repeating: 0, count: outputBytes)
        key.withKeyPointer { k in
            _ = crypto_generichash(
                &out, outputBytes, input, UInt64(input.count),
                k, SecretKey.byteCount)
        }
        return out
    }

    /// Unkeyed BLAKE2b-256, for hash chains whose verification needs no secret.
    public static func hash(_ message: some Collection<UInt8>) -> [UInt8] {
        Sodium.ensureInitialised()
        let input = Array(message)
        var out = [UInt8](repeating: 0, count: outputBytes)
        _ = crypto_generichash(&out, outputBytes, input, UInt64(input.count), nil, 0)
        return out
    }
}

/// Blind index of a normalised identifier (the CipherSweet technique).
///
/// The kind is part of the hashed input, so the same digits as a phone number and as a
/// policy number give different indexes.
public struct BlindIndexer: Sendable {
    private let key: SecretKey

    /// Creates an indexer over the database's index key.
    public init(key: SecretKey) { self.key = key }

    /// The index of `normalisedValue` for identifier `kind`.
    public func index(kind: String, normalisedValue: String) -> [UInt8] {
        KeyedHash.hash(Array("postbox.bidx.v1".utf8) + [0] + Array(kind.utf8) + [0] + Array(normalisedValue.utf8), key: key)
    }
}
