import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Storage settings, part of the server configuration.
public struct StoreConfiguration: Sendable, Codable, Equatable {
    /// SQLite `synchronous` level.
    public enum Synchronous: String, Sendable, Codable, CaseIterable {
        /// Every commit is fsynced: an acknowledged write survives power loss (default).
        case full = "FULL"
        /// Faster; in WAL mode a power loss may roll back the last commits (never corrupts).
        case normal = "NORMAL"
    }

    /// `PRAGMA synchronous`.
    public var synchronous: Synchronous
    /// Maximum concurrent readers of the pool.
    public var maximumReaderCount: Int

    public init(synchronous: Synchronous = .full, maximumReaderCount: Int = 8) {
        self.synchronous = synchronous
        self.maximumReaderCount = maximumReaderCount
    }
}

/// The encrypted SQLite store: one `DatabasePool` (WAL), the schema, and the key vault.
///
/// Opening migrates the schema and proves the master key opens this database's keys;
/// a wrong or missing key is a clear error, never a new key.
public struct PostboxStore: Sendable {
    /// The pool every repository writes through.
    let writer: DatabasePool
    /// Wraps and unwraps data keys with the master key ring.
    public let vault: KeyVault
    /// Keys that are not tied to one object (blind index, token hashes).
    public let systemKeys: SystemKeys
    /// Batches concurrent write transactions into shared commits.
    let committer: GroupCommitter
    /// Sessions recently read; emptied by every committed change to sessions or accounts.
    let sessionCache: SessionCache
    /// Connections for ``readStatement(_:)`` on the calling thread.
    let threadReaders: ThreadReaders
    /// Whether a WAL truncation after an erasure or purge is still owed (the checkpointer finishes it).
    let owedTruncation: OwedTruncation

    /// How long a connection waits for a lock another one holds (SQLite's busy timeout).
    static let busyTimeout: TimeInterval = 10

    /// Runs `body` in a write transaction (shared with concurrent writes, see ``GroupCommitter``)
    /// and returns after it is committed.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await committer.write(body)
    }

    /// Runs `body` on a reader connection outside a transaction: every statement reads its own
    /// snapshot. For reads of a single statement on every request (the session, a ticket's
    /// scope, a page of messages), where the BEGIN and COMMIT a read transaction adds cost more
    /// than the query; not for reads whose statements must agree with each other.
    ///
    /// The read runs on the calling thread on one of ``threadReaders`` when one is free: these
    /// statements read pages SQLite or the kernel has cached and take microseconds, and the two
    /// thread switches of an asynchronous read cost more than that (docs/decisions.md). It never
    /// waits for a connection; when none is free it reads through the pool asynchronously.
    func readStatement<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if let value = try threadReaders.read(body) { return value }
        return try await writer.unsafeRead(body)
    }

    /// Path of the database file.
    public var path: String { writer.path }

    /// Opens (creating if needed) the database at `path` with `keyRing`.
    ///
    /// - Parameter reloadKeyRing: reads the key source again when a data key names a master key
    ///   the ring does not hold (added by `keys rotate` while serving).
    /// - Throws: ``StoreError`` `.wrongMasterKey` if the ring cannot unwrap the database's keys.
    public static func open(
        path: String, keyRing: KeyRing, configuration: StoreConfiguration = .init(),
        reloadKeyRing: (@Sendable () throws -> KeyRing)? = nil
    ) throws -> PostboxStore {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.maximumReaderCount = configuration.maximumReaderCount
        // Operator commands (import, rotate, verify) may write while the server runs.
        config.busyMode = .timeout(busyTimeout)
        let synchronous = configuration.synchronous.rawValue
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA secure_delete = ON")
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        // GRDB's pool turns WAL on for its writer after `prepareDatabase` and sets
        // `synchronous = NORMAL` with it (a commit is then durable only at the next checkpoint).
        // The level asked for is set again on the writer, the one connection that commits.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        // A schema a newer build migrated is not this build's to read or write (nor to "finish").
        let unknown = try pool.read { db in try SchemaStatus(db).unknown }
        guard unknown.isEmpty else { throw StoreError.newerSchema(unknown) }
        try PostboxMigrations.migrator.migrate(pool)
        let vault = KeyVault(keyRing: keyRing, reload: reloadKeyRing)
        let systemKeys = try pool.write { db in
            try vault.registerMasterKeys(db)
            return try SystemKeys.loadOrCreate(db, vault: vault)
        }
        let sessionCache = SessionCache()
        pool.add(transactionObserver: SessionCache.observer(of: sessionCache), extent: .databaseLifetime)
        // As many as threads can run Swift concurrency work at once (bounded by the pool's size).
        let threadReaders = try ThreadReaders(
            path: path, count: min(max(ProcessInfo.processInfo.activeProcessorCount, 2), configuration.maximumReaderCount))
        return PostboxStore(
            writer: pool, vault: vault, systemKeys: systemKeys, committer: GroupCommitter(writer: pool),
            sessionCache: sessionCache, threadReaders: threadReaders, owedTruncation: OwedTruncation())
    }

    /// A checkpointer for this store on a connection of its own, for a server to run for as long
    /// as it serves (operator commands and tests that do not run one open no connection for it).
    public func makeCheckpointer() throws -> Checkpointer {
        try Checkpointer(path: path, writer: writer, committer: committer, owedTruncation: owedTruncation)
    }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try PostboxMigrations.migrator.appliedMigrations(db) }
    }

    /// Where the schema of the database at `path` stands, read without migrating it and without
    /// the master key (`postbox-server migrate --status`).
    public static func schemaStatus(path: String) throws -> SchemaStatus {
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in try SchemaStatus(db) }
    }

    /// Writes the WAL back into the main file and truncates it.
    public func checkpoint() throws {
        _ = try writer.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }

    /// ``checkpoint()`` after an erasure or a purge, so that no earlier page image (a wrapped key
    /// that was deleted) stays in the WAL file; returns whether the WAL was truncated.
    ///
    /// SQLite cannot truncate the WAL while another connection checkpoints (the server's
    /// background PASSIVE checkpoint every 250 ms) or a reader still reads an older snapshot (an
    /// export, a backup). Each attempt therefore runs without SQLite's busy handler, which would
    /// hold the writer, and with it every post, for up to ``busyTimeout`` while it waited; the
    /// attempts repeat every 20 ms for `patience`, and the writer is free in between. If the WAL
    /// still cannot be truncated, the truncation is owed and the server's checkpointer finishes it
    /// as soon as it can (``Checkpointer/run(every:)``). The caller's own write has committed
    /// whatever this returns.
    public func truncateWAL(patience: Duration = .seconds(10)) async -> Bool {
        let deadline = ContinuousClock.now + patience
        while true {
            do {
                try await writer.writeWithoutTransaction { db in
                    try Self.truncateWithoutWaiting(db, restoring: Self.busyTimeout)
                }
                owedTruncation.settle()
                return true
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                if ContinuousClock.now >= deadline { break }
                try? await Task.sleep(for: .milliseconds(20))
            } catch {
                break
            }
        }
        owedTruncation.owe()
        return false
    }

    /// A TRUNCATE checkpoint that fails at once with SQLITE_BUSY instead of waiting for readers;
    /// the connection's busy timeout is set back to `restoring` (seconds) afterwards.
    static func truncateWithoutWaiting(_ db: Database, restoring busyTimeout: TimeInterval) throws {
        sqlite3_busy_timeout(db.sqliteConnection, 0)
        defer { sqlite3_busy_timeout(db.sqliteConnection, CInt(busyTimeout * 1000)) }
        // SQLITE_BUSY when a reader or another checkpoint is in the way (what could be copied was).
        _ = try db.checkpoint(.truncate)
    }

    /// Rewraps every data key under the ring's active master key in one transaction, marks the
    /// other master keys retired and records `audit`; returns how many data keys were rewrapped.
    public func rewrapDataKeys(audit: AuditDraft) throws -> Int {
        try writer.write { db in
            try vault.registerMasterKeys(db)
            let count = try vault.rewrapAll(db)
            try GRDBAuditLog.append(db, audit, at: Date(), key: systemKeys.audit)
            return count
        }
    }

    /// What a backup wrote.
    public struct BackupSummary: Sendable {
        public let pages: Int
        public let bytes: Int
    }

    /// Copies the database file at `source` to `destination` with SQLite's online backup, which
    /// is consistent while other connections write. The copy is checked with `integrity_check`
    /// and left with mode 0600; a failed copy is removed. No key is needed: the copy stays encrypted.
    public static func backup(databaseAt source: String, to destination: String) throws -> BackupSummary {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let pool = try DatabasePool(path: source, configuration: configuration)
        do {
            let copy = try DatabaseQueue(path: destination)
            try pool.backup(to: copy)
            let (check, pages) = try copy.read { db in
                (try String.fetchAll(db, sql: "PRAGMA integrity_check"), try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0)
            }
            try copy.close()
            guard check == ["ok"] else { throw StoreError.backupFailed }
            chmod(destination, 0o600)
            let bytes = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
            return BackupSummary(pages: pages, bytes: bytes)
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
    }

    /// Runs `PRAGMA integrity_check`; returns `["ok"]` for a sound file.
    public func integrityCheck() throws -> [String] {
        try writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }
}

/// A WAL truncation that could not run yet (see ``PostboxStore/truncateWAL(patience:)``).
final class OwedTruncation: Sendable {
    private let owed = Atomic(false)

    var isOwed: Bool { owed.load(ordering: .acquiring) }
    func owe() { owed.store(true, ordering: .releasing) }
    func settle() { owed.store(false, ordering: .releasing) }
}

/// Where a database's schema stands against the migrations this build knows.
public struct SchemaStatus: Sendable, Equatable, Codable {
    /// Migrations applied, in the order this build applies them.
    public let applied: [String]
    /// Migrations this build applies when it opens the database.
    public let pending: [String]
    /// Migrations applied by a newer build, which this one does not know (it refuses to open the database).
    public let unknown: [String]

    init(_ db: Database) throws {
        let known = PostboxMigrations.migrator.migrations
        let done = try PostboxMigrations.migrator.appliedIdentifiers(db)
        applied = known.filter { done.contains($0) }
        pending = known.filter { !done.contains($0) }
        unknown = done.subtracting(known).sorted()
    }
}

/// Errors of the store, with content-free messages.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case wrongMasterKey
        case missingSystemKeys
        case notFound
        case backupFailed
        case newerSchema
    }

    let code: Code
    public let description: String

    /// The master key ring does not open this database's data keys.
    public static let wrongMasterKey = StoreError(
        code: .wrongMasterKey,
        description: "the master key does not open this database's keys (wrong key file or POSTBOX_MASTER_KEYS?)")
    /// The database holds data keys but not the system keys: it was not made by `postbox-server init`.
    public static let missingSystemKeys = StoreError(
        code: .missingSystemKeys, description: "the database has data but no system keys; refusing to create new ones")
    /// The copy of a backup failed its integrity check (it was removed).
    public static let backupFailed = StoreError(code: .backupFailed, description: "the backup copy failed its integrity check")
    /// A newer build migrated the database further than this one knows.
    public static func newerSchema(_ unknown: [String]) -> StoreError {
        StoreError(
            code: .newerSchema,
            description: "the database was migrated by a newer postbox-server (\(unknown.joined(separator: ", "))); run that version or restore a backup made before it")
    }
    /// The object does not exist (or may not be seen).
    public static let notFound = StoreError(code: .notFound, description: "not found")
}

/// What may be logged about an error from the store without its description (which can carry
/// SQL with values): SQLite's extended result code, e.g. `5` busy, `517` busy snapshot.
public func storeDiagnostics(_ error: any Error) -> [String: String] {
    guard let error = error as? DatabaseError else { return [:] }
    return ["sqlite.code": String(error.extendedResultCode.rawValue)]
}
