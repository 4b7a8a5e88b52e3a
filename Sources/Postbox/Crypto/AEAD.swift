import CSodium

/// XChaCha20-Poly1305 (IETF) authenticated encryption, the one cipher Postbox uses.
///
/// Sealed layout: `version (1) || nonce (24) || ciphertext || tag (16)`. The nonce is random
/// per message; 192-bit nonces make random nonces safe for any realistic number of messages.
public enum AEAD {
    static let version: UInt8 = 1
    static let nonceBytes = Int(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    static let tagBytes = Int(crypto_aead_xchacha20poly1305_ietf_ABYTES)
    /// Bytes a sealed value adds to its plaintext.
    public static let overhead = 1 + nonceBytes + tagBytes

    /// Encrypts `plaintext` under `key`, binding `associatedData`.
    public static func seal(_ plaintext: some Collection<UInt8>, key: SecretKey, associatedData: [UInt8]) -> [UInt8] {
        Sodium.ensureInitialised()
        let message = Array(plaintext)
        var out = [UInt8](repeating: 0, count: overhead + message.count)
        out[0] = version
        out.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress.unsafelyUnwrapped
            randombytes_buf(base + 1, nonceBytes)
            key.withKeyPointer { k in
                var written: UInt64 = 0
                _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                    base + 1 + nonceBytes, &written,
                    message, UInt64(message.count),
                    associatedData, UInt64(associatedData.count),
                    nil, base + 1, k)
            }
        }
        return out
    }

    /// Decrypts a value made by ``seal(_:key:associatedData:)``.
    ///
    /// - Throws: ``CryptoError/malformedCiphertext`` for a wrong length or version,
    ///   ``CryptoError/decryptionFailed`` for a wrong key, tampering or other associated data.
    public static func open(_ sealed: some Collection<UInt8>, key: SecretKey, associatedData: [UInt8]) throws -> [UInt8] {
        let input = Array(sealed)
        guard input.count >= overhead else { throw CryptoError.malformedCiphertext }
        return try input.withUnsafeBytes { input in
            try [UInt8](unsafeUninitializedCapacity: input.count - overhead) { out, initialised in
                try open(input, key: key, associatedData: associatedData, into: UnsafeMutableRawBufferPointer(out))
                initialised = out.count
            }
        }
    }

    /// Decrypts `sealed` into `output`, which must hold exactly `sealed.count - overhead` bytes:
    /// for callers that decrypt straight out of SQLite's buffer into a `String`'s storage.
    ///
    /// - Throws: as ``open(_:key:associatedData:)``; `output` is then left undefined.
    public static func open(
        _ sealed: UnsafeRawBufferPointer, key: SecretKey, associatedData: [UInt8], into output: UnsafeMutableRawBufferPointer
    ) throws {
        Sodium.ensureInitialised()
        guard sealed.count >= overhead, sealed[0] == version, output.count == sealed.count - overhead,
            let input = sealed.baseAddress?.assumingMemoryBound(to: UInt8.self)
        else { throw CryptoError.malformedCiphertext }
        var empty: UInt8 = 0
        let status = withUnsafeMutablePointer(to: &empty) { empty in
            key.withKeyPointer { k in
                crypto_aead_xchacha20poly1305_ietf_decrypt(
                    output.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? empty, nil, nil,
                    input + 1 + nonceBytes, UInt64(sealed.count - 1 - nonceBytes),
                    associatedData, UInt64(associatedData.count),
                    input + 1, k)
            }
        }
        guard status == 0 else { throw CryptoError.decryptionFailed }
    }
}

/// Unambiguous encoding of the parts that bind a ciphertext to its place.
///
/// Each part is written as a 4-byte big-endian length followed by its UTF-8 bytes, after a
/// domain label, so `("ab", "c")` and `("a", "bc")` never collide.
public struct AssociatedData: Sendable, Hashable {
    /// The encoded bytes handed to the AEAD.
    public let bytes: [UInt8]

    /// Encodes `domain` followed by `parts`.
    public init(domain: String, _ parts: String...) {
        // Built on every seal and open (50 times for a page of messages): one buffer, no
        // temporary arrays.
        var out: [UInt8] = []
        out.reserveCapacity(parts.reduce(domain.utf8.count + 4) { $0 + $1.utf8.count + 4 })
        func append(_ part: String) {
            let n = UInt32(part.utf8.count)
            out.append(UInt8(n >> 24))
            out.append(UInt8((n >> 16) & 0xff))
            out.append(UInt8((n >> 8) & 0xff))
            out.append(UInt8(n & 0xff))
            out.append(contentsOf: part.utf8)
        }
        append(domain)
        for part in parts { append(part) }
        bytes = out
    }

    /// Associated data for an encrypted column: table, row id and field name.
    public static func field(table: String, rowID: String, field: String) -> AssociatedData {
        AssociatedData(domain: "postbox.field.v1", table, rowID, field)
    }

    /// Associated data for a data key wrapped under a master key.
    public static func wrappedKey(dataKeyID: String, masterKeyID: String) -> AssociatedData {
        AssociatedData(domain: "postbox.dek.v1", dataKeyID, masterKeyID)
    }
}
