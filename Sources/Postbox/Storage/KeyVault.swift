import Foundation
import GRDB
import Synchronization

/// The current master key ring, reloadable when `keys rotate` added a key while serving.
final class KeyRingSource: Sendable {
    private let ring: Mutex<KeyRing>
    private let reload: (@Sendable () throws -> KeyRing)?

    init(_ ring: KeyRing, reload: (@Sendable () throws -> KeyRing)?) {
        self.ring = Mutex(ring)
        self.reload = reload
    }

    var current: KeyRing { ring.withLock { $0 } }

    /// Reloads the ring (e.g. the key file) and returns it, or nil if it cannot be reloaded.
    func reloaded() -> KeyRing? {
        guard let reload, let fresh = try? reload() else { return nil }
        ring.withLock { $0 = fresh }
        return fresh
    }
}

/// Creates, unwraps and rewraps the data keys stored in `data_keys`.
public struct KeyVault: Sendable {
    let source: KeyRingSource

    /// The master keys.
    public var keyRing: KeyRing { source.current }

    init(keyRing: KeyRing, reload: (@Sendable () throws -> KeyRing)? = nil) {
        source = KeyRingSource(keyRing, reload: reload)
    }

    /// Records the ring's key ids in `master_keys` (ids only).
    func registerMasterKeys(_ db: Database) throws {
        for entry in keyRing.entries {
            try db.run(
                literal: "INSERT OR IGNORE INTO master_keys (id, created_at) VALUES (\(entry.id), \(Date()))")
        }
    }

    /// Makes a new random data key for `purpose`, stores it wrapped, and returns it.
    ///
    /// Its id is time-ordered (a version-7 UUID) like those of tickets and messages, so keys made
    /// together sit together in the id index: a page of recent tickets finds its keys on a few
    /// index pages instead of one page per key (the ticket list joins them).
    func createDataKey(_ db: Database, purpose: String, id: String = TimeOrderedID.make()) throws -> (
        id: String, key: SecretKey
    ) {
        let key = SecretKey.random()
        let wrapped = keyRing.wrap(key, dataKeyID: id)
        try db.run(
            literal: """
                INSERT INTO data_keys (id, purpose, master_key_id, wrapped, created_at)
                VALUES (\(id), \(purpose), \(wrapped.masterKeyID), \(Data(wrapped.bytes)), \(Date()))
                """)
        return (id, key)
    }

    /// Unwraps the data key `id`.
    ///
    /// - Throws: ``StoreError/notFound`` if it was erased, ``CryptoError`` if it does not unwrap.
    func dataKey(_ db: Database, id: String) throws -> SecretKey {
        guard let row = try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT master_key_id, wrapped FROM data_keys WHERE id = \(id)"))
        else { throw StoreError.notFound }
        return try unwrap(WrappedKey(masterKeyID: row[0], bytes: [UInt8](row[1] as Data)), id: id)
    }

    /// Unwraps data key `id` whose row the caller read with its own (a ticket joined with
    /// `data_keys`); a missing row (nil columns) is not found.
    func unwrap(masterKeyID: String?, wrapped: Data?, id: String) throws -> SecretKey {
        guard let masterKeyID, let wrapped else { throw StoreError.notFound }
        return try unwrap(WrappedKey(masterKeyID: masterKeyID, bytes: [UInt8](wrapped)), id: id)
    }

    private func unwrap(_ wrapped: WrappedKey, id: String) throws -> SecretKey {
        do {
            return try keyRing.unwrap(wrapped, dataKeyID: id)
        } catch let error as CryptoError where error == .unknownKeyID {
            // A rotation may have added a key since start: read the key source again, once.
            guard let fresh = source.reloaded() else { throw CryptoError.unknownKeyID }
            return try fresh.unwrap(wrapped, dataKeyID: id)
        }
    }

    /// Deletes the data key `id`: everything sealed under it becomes unreadable.
    func deleteDataKey(_ db: Database, id: String) throws {
        try db.run(literal: "DELETE FROM data_keys WHERE id = \(id)")
    }

    /// Rewraps every data key not under the active master key and marks the other master keys
    /// retired; returns how many data keys changed.
    func rewrapAll(_ db: Database) throws -> Int {
        let keyRing = self.keyRing
        let active = keyRing.active.id
        let rows = try Row.fetchAll(
            db, SQLRequest(cachedLiteral: "SELECT id, master_key_id, wrapped FROM data_keys WHERE master_key_id <> \(active)"))
        for row in rows {
            let id: String = row["id"]
            let key = try keyRing.unwrap(
                WrappedKey(masterKeyID: row["master_key_id"], bytes: [UInt8](row["wrapped"] as Data)), dataKeyID: id)
            let rewrapped = keyRing.wrap(key, dataKeyID: id)
            try db.run(
                literal: """
                    UPDATE data_keys SET master_key_id = \(rewrapped.masterKeyID), wrapped = \(Data(rewrapped.bytes))
                    WHERE id = \(id)
                    """)
        }
        try db.run(
            literal: "UPDATE master_keys SET retired_at = \(Date()) WHERE id <> \(active) AND retired_at IS NULL")
        return rows.count
    }
}

/// Keys that belong to the installation rather than to one object.
///
/// They are random data keys wrapped like any other, so rotating the master key never
/// changes a blind index or invalidates a session token.
public struct SystemKeys: Sendable {
    /// Keys blind indexes of identifiers.
    public let index: SecretKey
    /// Keys the hashes of session tokens.
    public let token: SecretKey
    /// Keys the audit hash chain.
    public let audit: SecretKey

    static let indexID = "system.index"
    static let tokenID = "system.token"
    static let auditID = "system.audit"

    /// The blind indexer over ``index``.
    public var blindIndexer: BlindIndexer { BlindIndexer(key: index) }

    static func loadOrCreate(_ db: Database, vault: KeyVault) throws -> SystemKeys {
        let existing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM data_keys") ?? 0
        if existing == 0 {
            return SystemKeys(
                index: try vault.createDataKey(db, purpose: "system", id: indexID).key,
                token: try vault.createDataKey(db, purpose: "system", id: tokenID).key,
                audit: try vault.createDataKey(db, purpose: "system", id: auditID).key)
        }
        do {
            // The index key proves the master key fits; keys added by later versions are made once it does.
            let index = try vault.dataKey(db, id: indexID)
            let token = try vault.dataKey(db, id: tokenID)
            let audit = try loadOrAdd(db, vault: vault, id: auditID)
            return SystemKeys(index: index, token: token, audit: audit)
        } catch let error as StoreError where error == .notFound {
            throw StoreError.missingSystemKeys
        } catch is CryptoError {
            throw StoreError.wrongMasterKey
        }
    }

    private static func loadOrAdd(_ db: Database, vault: KeyVault, id: String) throws -> SecretKey {
        let exists = try Bool.fetchOne(db, SQLRequest(cachedLiteral: "SELECT EXISTS (SELECT 1 FROM data_keys WHERE id = \(id))"))
        if exists == true { return try vault.dataKey(db, id: id) }
        return try vault.createDataKey(db, purpose: "system", id: id).key
    }
}
