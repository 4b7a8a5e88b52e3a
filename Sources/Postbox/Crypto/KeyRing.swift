/// The master keys (KEKs) of one installation, by key id, with one active key.
///
/// Master keys only wrap data keys; they never encrypt content directly. New data keys
/// are wrapped under the active key; older keys stay readable until every data key is
/// rewrapped (`postbox-server keys rotate`) and they are retired.
public struct KeyRing: Sendable {
    /// A master key with its id.
    public struct Entry: Sendable {
        /// Short identifier stored next to every wrapped data key.
        public let id: String
        /// The key material.
        public let key: SecretKey
        /// When the key was made (ISO 8601), as the key file records it.
        public let createdAt: String?

        /// Creates an entry.
        public init(id: String, key: SecretKey, createdAt: String? = nil) {
            self.id = id
            self.key = key
            self.createdAt = createdAt
        }
    }

    /// All keys, active first.
    public let entries: [Entry]

    /// Creates a ring whose first entry is the active key.
    public init(entries: [Entry]) throws {
        guard !entries.isEmpty else { throw CryptoError.noActiveKey }
        self.entries = entries
    }

    /// The key new data keys are wrapped under.
    public var active: Entry { entries[0] }

    /// The key with the given id.
    public func key(id: String) throws -> SecretKey {
        guard let entry = entries.first(where: { $0.id == id }) else { throw CryptoError.unknownKeyID }
        return entry.key
    }

    /// A ring with a fresh random key of id `newID` as the active key; the old keys follow it.
    public func rotated(newID: String, createdAt: String) -> KeyRing {
        KeyRing(unchecked: [Entry(id: newID, key: .random(), createdAt: createdAt)] + entries)
    }

    /// A ring without the key `id`; refuses to drop the active key.
    public func retiring(id: String) throws -> KeyRing {
        guard id != active.id else { throw CryptoError.noActiveKey }
        return KeyRing(unchecked: entries.filter { $0.id != id })
    }

    private init(unchecked entries: [Entry]) { self.entries = entries }

    // MARK: - Wrapping data keys

    /// Wraps `dataKey` (stored under `dataKeyID`) with the active master key.
    public func wrap(_ dataKey: SecretKey, dataKeyID: String) -> WrappedKey {
        let ad = AssociatedData.wrappedKey(dataKeyID: dataKeyID, masterKeyID: active.id)
        return WrappedKey(
            masterKeyID: active.id,
            bytes: dataKey.withUnsafeBytes { AEAD.seal($0, key: active.key, associatedData: ad.bytes) })
    }

    /// Unwraps a data key stored under `dataKeyID`.
    ///
    /// - Throws: ``CryptoError/unknownKeyID`` if its master key is not in the ring,
    ///   ``CryptoError/decryptionFailed`` if the master key is wrong or the row was moved.
    public func unwrap(_ wrapped: WrappedKey, dataKeyID: String) throws -> SecretKey {
        let kek = try key(id: wrapped.masterKeyID)
        let ad = AssociatedData.wrappedKey(dataKeyID: dataKeyID, masterKeyID: wrapped.masterKeyID)
        var raw = try AEAD.open(wrapped.bytes, key: kek, associatedData: ad.bytes)
        defer { raw.zeroize() }
        return try SecretKey(bytes: raw)
    }
}

/// A data key sealed under a master key, as stored in `data_keys`.
public struct WrappedKey: Sendable, Hashable {
    /// Id of the master key that wrapped it.
    public let masterKeyID: String
    /// `AEAD` output.
    public let bytes: [UInt8]

    /// Creates a wrapped key from its stored parts.
    public init(masterKeyID: String, bytes: [UInt8]) {
        self.masterKeyID = masterKeyID
        self.bytes = bytes
    }
}

// MARK: - Field encryption

/// Where an encrypted value lives: its table, row and column. Bound as associated data.
public struct FieldLocation: Sendable, Hashable {
    public let table: String
    public let rowID: String
    public let field: String

    public init(table: String, rowID: String, field: String) {
        self.table = table
        self.rowID = rowID
        self.field = field
    }

    var associatedData: AssociatedData { .field(table: table, rowID: rowID, field: field) }
}

extension SecretKey {
    /// Encrypts a text field for `location`.
    public func seal(_ text: String, at location: FieldLocation) -> [UInt8] {
        AEAD.seal(Array(text.utf8), key: self, associatedData: location.associatedData.bytes)
    }

    /// Encrypts raw bytes for `location`.
    public func seal(bytes: [UInt8], at location: FieldLocation) -> [UInt8] {
        AEAD.seal(bytes, key: self, associatedData: location.associatedData.bytes)
    }

    /// Decrypts a text field sealed for `location`.
    ///
    /// - Throws: ``CryptoError/decryptionFailed`` if the value belongs elsewhere or was altered.
    public func openText(_ sealed: [UInt8], at location: FieldLocation) throws -> String {
        let plain = try AEAD.open(sealed, key: self, associatedData: location.associatedData.bytes)
        guard let text = String(validating: plain, as: UTF8.self) else { throw CryptoError.malformedCiphertext }
        return text
    }

    /// Decrypts a text field sealed for `location` from bytes it does not own (SQLite's column
    /// buffer), straight into the new string's storage: one copy instead of four on the path that
    /// reads a page of messages.
    ///
    /// Text sealed by ``seal(_:at:)`` is valid UTF-8; authenticated bytes that were not would
    /// have invalid sequences replaced (U+FFFD), never accepted as they are.
    public func openText(_ sealed: UnsafeRawBufferPointer, at location: FieldLocation) throws -> String {
        guard sealed.count >= AEAD.overhead else { throw CryptoError.malformedCiphertext }
        let associatedData = location.associatedData.bytes
        let count = sealed.count - AEAD.overhead
        return try String(unsafeUninitializedCapacity: count) { storage in
            try AEAD.open(
                sealed, key: self, associatedData: associatedData,
                into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: storage[..<count])))
            return count
        }
    }

    /// Decrypts raw bytes sealed for `location`.
    public func openBytes(_ sealed: [UInt8], at location: FieldLocation) throws -> [UInt8] {
        try AEAD.open(sealed, key: self, associatedData: location.associatedData.bytes)
    }
}
