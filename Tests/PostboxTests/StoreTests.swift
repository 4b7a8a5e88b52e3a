import Foundation
import GRDB
import PostboxTestSupport
import Testing

@testable import Postbox

@Suite("Encrypted SQLite store")
struct StoreTests {
    func makeRing() throws -> KeyRing { try KeyRing(entries: [.init(id: "mk-test", key: .random())]) }

    @Test func migratesAFreshFileWithTheSafetyPragmas() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try PostboxStore.open(path: dir.file("db.sqlite"), keyRing: try makeRing())
        #expect(try store.appliedMigrations() == ["v1-initial-schema", "v2-accounts", "v3-tickets", "v4-special-categories", "v5-subject-rights", "v6-attachments"])
        // The writer is the connection whose commits must reach the disk (readers are set up
        // differently by GRDB's pool: only the writer gets its WAL set-up).
        let (journal, synchronous, secureDelete, foreignKeys, tables) = try store.writer.writeWithoutTransaction { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                try Int.fetchOne(db, sql: "PRAGMA secure_delete"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
                try Set(String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
            )
        }
        #expect(journal == "wal")
        #expect(synchronous == 2)
        #expect(secureDelete == 1)
        #expect(foreignKeys == 1)
        for table in [
            "organisations", "users", "sessions", "subjects", "subject_index", "refs", "tickets", "messages",
            "message_revisions", "attachments", "review_items", "consents", "audit_events", "data_keys",
            "master_keys",
        ] {
            #expect(tables.contains(table), "table \(table)")
        }
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test func synchronousIsConfigurable() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try PostboxStore.open(
            path: dir.file("db.sqlite"), keyRing: try makeRing(), configuration: .init(synchronous: .normal))
        #expect(try store.writer.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 1)
        #expect(try store.writer.read { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == 1)
    }

    @Test func reopeningWithTheSameKeyWorksAndAnotherKeyIsRefused() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("db.sqlite")
        let ring = try makeRing()
        let first = try PostboxStore.open(path: path, keyRing: ring)
        let created = try await GRDBUserRepository(store: first).createPending(
            NewUser(login: "anna", role: .advisor, displayName: "Anna Advisor"), activationCodeHash: "h",
            expiresAt: Date() + 60, audit: .by(nil, .userCreated))
        let again = try PostboxStore.open(path: path, keyRing: ring)
        #expect(try await GRDBUserRepository(store: again).user(id: created.id)?.displayName == "Anna Advisor")
        #expect(again.systemKeys.index.exportBytes() == first.systemKeys.index.exportBytes())

        #expect(throws: StoreError.wrongMasterKey) {
            try PostboxStore.open(path: path, keyRing: try KeyRing(entries: [.init(id: "mk-test", key: .random())]))
        }
        #expect(throws: StoreError.wrongMasterKey) {
            try PostboxStore.open(path: path, keyRing: try KeyRing(entries: [.init(id: "mk-other", key: .random())]))
        }
    }

    @Test func markerWrittenThroughEncryptedFieldsIsNotInTheFile() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("db.sqlite")
        let store = try PostboxStore.open(path: path, keyRing: try makeRing())
        let marker = "MARKER-7f3a9c-Schwerhoerig"
        let users = GRDBUserRepository(store: store)
        let created = try await users.createPending(
            NewUser(login: "marker", role: .member, displayName: marker), activationCodeHash: "h", expiresAt: Date(), audit: .by(nil, .userCreated))
        #expect(try await users.user(login: "marker")?.displayName == marker)

        let needle = Data(marker.utf8)
        let fileBytes = { (name: String) -> Data in FileManager.default.contents(atPath: name) ?? Data() }
        // Before a checkpoint the row lives in the WAL; afterwards in the main file.
        #expect(fileBytes(path + "-wal").range(of: needle) == nil)
        try store.checkpoint()
        #expect(fileBytes(path).count > 0)
        #expect(fileBytes(path).range(of: needle) == nil)
        #expect(fileBytes(path + "-wal").range(of: needle) == nil)
        // The login, which is stored in clear, is found: the scan itself works.
        #expect(fileBytes(path).range(of: Data("marker".utf8)) != nil)
        _ = created
    }

    @Test func ciphertextCopiedToAnotherRowFailsToDecrypt() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try PostboxStore.open(path: dir.file("db.sqlite"), keyRing: try makeRing())
        let users = GRDBUserRepository(store: store)
        let a = try await users.createPending(NewUser(login: "a", role: .member, displayName: "A"), activationCodeHash: "h", expiresAt: Date(), audit: .by(nil, .userCreated))
        let b = try await users.createPending(NewUser(login: "b", role: .member, displayName: "B"), activationCodeHash: "h", expiresAt: Date(), audit: .by(nil, .userCreated))
        try await store.writer.write { db in
            // Copy a's sealed name and data key onto b: same key, wrong row.
            try db.execute(
                literal: """
                    UPDATE users SET display_name = (SELECT display_name FROM users WHERE id = \(a.id)),
                                     data_key_id = (SELECT data_key_id FROM users WHERE id = \(a.id))
                    WHERE id = \(b.id)
                    """)
        }
        await #expect(throws: CryptoError.decryptionFailed) { try await users.user(id: b.id) }
        #expect(try await users.user(id: a.id)?.displayName == "A")
    }
}

@Suite("Background checkpoints")
struct CheckpointerTests {
    @Test func whileRunningTheWriterLeavesCheckpointsToItAndTheWALReachesTheFile() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        func autocheckpoint() throws -> Int? {
            try store.writer.writeWithoutTransaction { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") }
        }
        #expect(try autocheckpoint() == 1_000)
        let checkpointer = try store.makeCheckpointer()
        let running = Task { try await checkpointer.run(every: .milliseconds(20)) }
        var waited = 0
        while try autocheckpoint() != Checkpointer.backstopPages, waited < 500 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        #expect(try autocheckpoint() == Checkpointer.backstopPages)

        // Writes land in the WAL; the checkpointer's rounds copy all of them into the file.
        try await store.writer.write { db in
            try db.execute(sql: "CREATE TABLE filler (x BLOB)")
            for _ in 0..<200 { try db.execute(sql: "INSERT INTO filler VALUES (randomblob(3000))") }
        }
        let pending = try await checkpointer.checkpoint()
        #expect(pending.walFrames > 150)
        #expect(pending.checkpointed == pending.walFrames)
        #expect(try store.integrityCheck() == ["ok"])

        running.cancel()
        _ = try? await running.value
        #expect(try autocheckpoint() == 1_000, "set back when the checkpointer stops")
    }
}

@Suite("Audit timestamps")
struct AuditTimestampTests {
    @Test func formatIsUTCWithMillisecondsAsGRDBStoresDates() {
        #expect(StoredTimestamp.text(Date(timeIntervalSince1970: 0)) == "1970-01-01 00:00:00.000")
        #expect(StoredTimestamp.text(Date(timeIntervalSince1970: 1_795_000_000.1234)) == "2026-11-18 11:06:40.123")
    }
}
