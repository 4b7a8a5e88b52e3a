import CSodium

/// 32 bytes of symmetric key material that are zeroed when the last reference goes away.
///
/// The bytes live in memory allocated by this type, are written once in `init` and never
/// change until `deinit` zeroes them with `sodium_memzero`. Because the storage is immutable
/// for the object's whole shared lifetime it is safe to share across tasks; the compiler cannot
/// see that through the raw pointer, hence the `@unchecked Sendable` (documented invariant,
/// not a silenced race).
public final class SecretKey: @unchecked Sendable {
    /// Length of every key Postbox uses (XChaCha20-Poly1305 and keyed BLAKE2b-256).
    public static let byteCount = 32

    private let storage: UnsafeMutableRawBufferPointer

    /// Copies `bytes` into zero-on-free storage.
    ///
    /// - Throws: ``CryptoError`` `.invalidKeyLength` unless exactly 32 bytes are given.
    public init(bytes: some Collection<UInt8>) throws {
        guard bytes.count == Self.byteCount else { throw CryptoError.invalidKeyLength }
        Sodium.ensureInitialised()
        storage = .allocate(byteCount: Self.byteCount, alignment: 16)
        storage.copyBytes(from: bytes)
    }

    private init(randomUsing fill: (UnsafeMutableRawBufferPointer) -> Void) {
        Sodium.ensureInitialised()
        storage = .allocate(byteCount: Self.byteCount, alignment: 16)
        fill(storage)
    }

    /// A fresh random key.
    public static func random() -> SecretKey {
        SecretKey { randombytes_buf($0.baseAddress.unsafelyUnwrapped, $0.count) }
    }

    /// Calls `body` with a pointer to the 32 key bytes; do not let it escape.
    func withKeyPointer<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafePointer(storage.baseAddress.unsafelyUnwrapped.assumingMemoryBound(to: UInt8.self)))
    }

    /// Calls `body` with the raw key bytes; do not let them escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(storage))
    }

    /// A copy of the key bytes, for writing a key file. The caller owns zeroing the copy.
    public func exportBytes() -> [UInt8] {
        Array(UnsafeRawBufferPointer(storage))
    }

    deinit {
        sodium_memzero(storage.baseAddress.unsafelyUnwrapped, storage.count)
        storage.deallocate()
    }
}

extension Array where Element == UInt8 {
    /// Overwrites the array's bytes with zeros (`sodium_memzero`), e.g. after a key was read.
    public mutating func zeroize() {
        withUnsafeMutableBytes { raw in
            if let base = raw.baseAddress { sodium_memzero(base, raw.count) }
        }
    }
}
