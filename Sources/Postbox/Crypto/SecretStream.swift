import CSodium

/// libsodium's secretstream (XChaCha20-Poly1305) for files: a sequence of chunks, each
/// authenticated, in order, with the last one marked final, so reordering, dropping or
/// truncating chunks is detected. Used for attachments, chunk by chunk, so a file is never
/// held encrypted and decrypted at once.
public enum SecretStream {
    /// Plaintext bytes per chunk.
    public static let chunkSize = 64 * 1024
    static let headerBytes = Int(crypto_secretstream_xchacha20poly1305_headerbytes())
    /// Bytes each chunk grows by.
    public static let chunkOverhead = Int(crypto_secretstream_xchacha20poly1305_abytes())

    /// Encrypts chunks in order.
    public struct Writer {
        var state = crypto_secretstream_xchacha20poly1305_state()
        /// The stream header; stored with the ciphertext, needed to decrypt.
        public let header: [UInt8]

        public init(key: SecretKey) {
            Sodium.ensureInitialised()
            var header = [UInt8](repeating: 0, count: SecretStream.headerBytes)
            var state = crypto_secretstream_xchacha20poly1305_state()
            key.withKeyPointer { k in _ = crypto_secretstream_xchacha20poly1305_init_push(&state, &header, k) }
            self.state = state
            self.header = header
        }

        /// Encrypts one chunk (at most ``SecretStream/chunkSize`` bytes); `final` for the last.
        public mutating func seal(_ chunk: some Collection<UInt8>, final: Bool) -> [UInt8] {
            let message = Array(chunk)
            var out = [UInt8](repeating: 0, count: message.count + SecretStream.chunkOverhead)
            let tag = final ? UInt8(crypto_secretstream_xchacha20poly1305_tag_final()) : 0
            _ = crypto_secretstream_xchacha20poly1305_push(
                &state, &out, nil, message, UInt64(message.count), nil, 0, tag)
            return out
        }
    }

    /// Decrypts chunks in order and knows whether the final chunk was seen.
    ///
    /// A value type over libsodium's plain-bytes state struct (no pointers), so copies are
    /// independent; the imported C struct just is not marked Sendable.
    public struct Reader: @unchecked Sendable {
        var state = crypto_secretstream_xchacha20poly1305_state()
        /// Whether the last chunk opened carried the final tag.
        public private(set) var finished = false

        /// - Throws: ``CryptoError/malformedCiphertext`` for a header of the wrong size or a bad key.
        public init(key: SecretKey, header: [UInt8]) throws {
            Sodium.ensureInitialised()
            guard header.count == SecretStream.headerBytes else { throw CryptoError.malformedCiphertext }
            var state = crypto_secretstream_xchacha20poly1305_state()
            let status = key.withKeyPointer { k in crypto_secretstream_xchacha20poly1305_init_pull(&state, header, k) }
            guard status == 0 else { throw CryptoError.malformedCiphertext }
            self.state = state
        }

        /// Decrypts the next chunk.
        ///
        /// - Throws: ``CryptoError/decryptionFailed`` if it was altered, reordered, or comes after the final chunk.
        public mutating func open(_ sealed: [UInt8]) throws -> [UInt8] {
            guard !finished, sealed.count >= SecretStream.chunkOverhead else { throw CryptoError.decryptionFailed }
            var out = [UInt8](repeating: 0, count: sealed.count - SecretStream.chunkOverhead)
            var tag: UInt8 = 0
            let status = crypto_secretstream_xchacha20poly1305_pull(
                &state, &out, nil, &tag, sealed, UInt64(sealed.count), nil, 0)
            guard status == 0 else { throw CryptoError.decryptionFailed }
            if tag == UInt8(crypto_secretstream_xchacha20poly1305_tag_final()) { finished = true }
            return out
        }
    }

    /// The key of one attachment's stream: keyed BLAKE2b of its id under the ticket's data key,
    /// so a stream copied to another attachment does not open.
    public static func attachmentKey(_ ticketKey: SecretKey, attachmentID: String) throws -> SecretKey {
        var derived = KeyedHash.hash(
            AssociatedData(domain: "postbox.attachment.v1", attachmentID).bytes, key: ticketKey)
        defer { derived.zeroize() }
        return try SecretKey(bytes: derived)
    }
}
