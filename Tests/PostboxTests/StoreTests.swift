import Foundation
import GRDB
import PostboxTestSupport
import Synchronization
import Testing

@testable import Postbox

@Suite("Encrypted SQLite store")
struct StoreTests {
    func makeRing() throws -> KeyRing { try KeyRing(entries: [.init(id: "mk-test", key: .random())]) }

    @Test func migratesAFreshFileWithTheSafetyPragmas() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try PostboxStore.open(path: dir.file("db.sqlite"), keyRing: try makeRing())
        #expect(try store.appliedMigrations() == ["v1-initial-schema", "v2-accounts", "v3-tickets", "v4-special-categories", "v5-subject-rights", "v6-attachments", "v7-ticket-scope-copies", "v8-ticket-versions"])
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

    /// Schema v7 copies a ticket's reference and subject fields onto the ticket (so listing
    /// needs no joins); migrating fills them for existing tickets and triggers keep them equal to
    /// the originals through every change, whichever statement makes it.
    @Test func ticketsCopiesOfTheirReferenceAndSubjectFollowTheOriginals() throws {
        let queue = try DatabaseQueue()
        let migrator = PostboxMigrations.migrator
        func mismatches(_ db: Database) throws -> Int {
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM tickets t JOIN refs r ON r.id = t.ref_id LEFT JOIN subjects s ON s.id = t.subject_id
                    WHERE t.ref_kind IS NOT r.kind OR t.ref_number IS NOT r.number
                       OR t.ref_organisation_id IS NOT r.organisation_id OR t.ref_advisor_id IS NOT r.advisor_id
                       OR t.subject_restricted_at IS NOT s.restricted_at
                    """) ?? -1
        }
        func copies(_ db: Database, _ ticket: String) throws -> [String?] {
            let row = try #require(
                try Row.fetchOne(
                    db,
                    sql: "SELECT ref_kind, ref_number, ref_organisation_id, ref_advisor_id, subject_restricted_at FROM tickets WHERE id = ?",
                    arguments: [ticket]))
            return (0..<5).map { row[$0] as String? }
        }
        let at = "2026-11-23 08:00:00.000"
        func ticket(_ id: String, ref: String, subject: String?) -> String {
            "INSERT INTO tickets (id, ref_id, subject_id, status, data_key_id, title, channel, created_at, last_activity_at) VALUES ('\(id)', '\(ref)', \(subject.map { "'\($0)'" } ?? "NULL"), 'open', 'dk', x'00', 'web', '\(at)', '\(at)')"
        }
        try migrator.migrate(queue, upTo: "v6-attachments")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO master_keys (id, created_at) VALUES ('mk', '\(at)');
                    INSERT INTO data_keys (id, purpose, master_key_id, wrapped, created_at) VALUES ('dk', 'test', 'mk', x'00', '\(at)');
                    INSERT INTO organisations (id, name, partner_number, created_at) VALUES ('org-a', 'A', 'P-1', '\(at)'), ('org-b', 'B', 'P-2', '\(at)');
                    INSERT INTO users (id, login, role, status, data_key_id, display_name, created_at, updated_at)
                        VALUES ('adv-1', 'a1', 'advisor', 'active', 'dk', x'00', '\(at)', '\(at)'), ('adv-2', 'a2', 'advisor', 'active', 'dk', x'00', '\(at)', '\(at)');
                    INSERT INTO subjects (id, created_at, restricted_at) VALUES ('s-1', '\(at)', NULL), ('s-2', '\(at)', '\(at)');
                    INSERT INTO refs (id, kind, number, subject_id, organisation_id, advisor_id, data_key_id, payload, channel, created_at)
                        VALUES ('r-1', 'referral', 'R-1', 's-1', 'org-a', 'adv-1', 'dk', x'00', 'web', '\(at)'),
                               ('r-2', 'contract', 'C-2', 's-2', NULL, NULL, 'dk', x'00', 'web', '\(at)');
                    \(ticket("t-1", ref: "r-1", subject: "s-1"));
                    \(ticket("t-2", ref: "r-2", subject: "s-2"));
                    """)
        }
        // Migrating fills the copies of tickets that exist.
        try migrator.migrate(queue)
        try queue.write { db in
            #expect(try copies(db, "t-1") == ["referral", "R-1", "org-a", "adv-1", nil])
            #expect(try copies(db, "t-2") == ["contract", "C-2", nil, nil, at])
            // A new ticket takes them from its reference and subject.
            try db.execute(sql: ticket("t-3", ref: "r-1", subject: "s-2"))
            #expect(try copies(db, "t-3") == ["referral", "R-1", "org-a", "adv-1", at])
            // A restriction, placed and lifted, reaches every ticket of the subject.
            try db.execute(sql: "UPDATE subjects SET restricted_at = ? WHERE id = 's-1'", arguments: [at])
            #expect(try copies(db, "t-1")[4] == at)
            try db.execute(sql: "UPDATE subjects SET restricted_at = NULL WHERE id = 's-2'")
            #expect(try copies(db, "t-2")[4] == nil)
            #expect(try copies(db, "t-3")[4] == nil)
            // A change of a reference's fields reaches its tickets.
            try db.execute(sql: "UPDATE refs SET advisor_id = 'adv-2', organisation_id = 'org-b' WHERE id = 'r-1'")
            #expect(try copies(db, "t-1") == ["referral", "R-1", "org-b", "adv-2", at])
            #expect(try copies(db, "t-3") == ["referral", "R-1", "org-b", "adv-2", nil])
            // A ticket moved to another reference or subject takes theirs.
            try db.execute(sql: "UPDATE tickets SET ref_id = 'r-2', subject_id = 's-1' WHERE id = 't-3'")
            #expect(try copies(db, "t-3") == ["contract", "C-2", nil, nil, at])
            #expect(try mismatches(db) == 0)
            // Deleting a subject sets its tickets' subject to NULL (foreign key), and the copy with it.
            try db.execute(sql: "DELETE FROM subjects WHERE id = 's-1'")
            #expect(try String.fetchOne(db, sql: "SELECT subject_id FROM tickets WHERE id = 't-1'") == nil)
            #expect(try copies(db, "t-1")[4] == nil)
            #expect(try mismatches(db) == 0)
        }
    }

    /// Schema v8 counts every change to a ticket's messages in `tickets.version`, whichever
    /// statement makes it: a kept page of a thread is given again only while it is unchanged.
    @Test func aTicketsVersionCountsEveryChangeToItsMessages() throws {
        let queue = try DatabaseQueue(configuration: { var c = Configuration(); c.foreignKeysEnabled = true; return c }())
        try PostboxMigrations.migrator.migrate(queue)
        let at = "2026-12-08 08:00:00.000"
        try queue.write { db in
            func version(_ ticket: String) throws -> Int? {
                try Int.fetchOne(db, sql: "SELECT version FROM tickets WHERE id = ?", arguments: [ticket])
            }
            func message(_ id: String, _ ticket: String, _ seq: Int) -> String {
                "INSERT INTO messages (id, ticket_id, seq, body, author_role, channel, created_at) VALUES ('\(id)', '\(ticket)', \(seq), x'00', 'member', 'web', '\(at)')"
            }
            try db.execute(
                sql: """
                    INSERT INTO master_keys (id, created_at) VALUES ('mk', '\(at)');
                    INSERT INTO data_keys (id, purpose, master_key_id, wrapped, created_at) VALUES ('dk', 'test', 'mk', x'00', '\(at)');
                    INSERT INTO refs (id, kind, number, subject_id, organisation_id, advisor_id, data_key_id, payload, channel, created_at)
                        VALUES ('r-1', 'contract', 'C-1', NULL, NULL, NULL, 'dk', x'00', 'web', '\(at)');
                    INSERT INTO tickets (id, ref_id, status, data_key_id, title, channel, created_at, last_activity_at)
                        VALUES ('t-1', 'r-1', 'open', 'dk', x'00', 'web', '\(at)', '\(at)'),
                               ('t-2', 'r-1', 'open', 'dk', x'00', 'web', '\(at)', '\(at)');
                    """)
            #expect(try version("t-1") == 0)
            try db.execute(sql: message("m-1", "t-1", 1))
            try db.execute(sql: message("m-2", "t-1", 2))
            #expect(try version("t-1") == 2)
            try db.execute(sql: "UPDATE messages SET held = 1 WHERE id = 'm-2'")
            #expect(try version("t-1") == 3)
            try db.execute(sql: "UPDATE messages SET body = x'01', edited_at = ? WHERE id = 'm-1'", arguments: [at])
            #expect(try version("t-1") == 4)
            try db.execute(sql: "DELETE FROM messages WHERE id = 'm-2'")
            #expect(try version("t-1") == 5)
            #expect(try version("t-2") == 0, "another ticket's version stays")
            try db.execute(sql: "UPDATE messages SET ticket_id = 't-2', seq = 1 WHERE id = 'm-1'")
            #expect(try version("t-1") == 6, "a message that moves changes both tickets")
            #expect(try version("t-2") == 1)
            try db.execute(sql: "UPDATE tickets SET status = 'closed' WHERE id = 't-2'")
            #expect(try version("t-2") == 1, "a change of the ticket itself is not a change of its messages")
            try db.execute(sql: "DELETE FROM tickets WHERE id = 't-2'")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM messages") == 0, "deleted with its ticket")
        }
    }

    /// What keeps decrypted messages in memory is told when this process deleted messages or
    /// tickets, and only then.
    @Test func deletingMessagesOrTicketsIsReportedAfterTheTransaction() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            for table in ["messages", "tickets", "sessions"] { try db.execute(sql: "CREATE TABLE \(table) (id TEXT)") }
        }
        let calls = Mutex(0)
        queue.add(transactionObserver: ChangeObserver.deletions { calls.withLock { $0 += 1 } }, extent: .databaseLifetime)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO messages VALUES ('m'); INSERT INTO tickets VALUES ('t')")
            try db.execute(sql: "UPDATE messages SET id = 'n'; DELETE FROM sessions")
        }
        #expect(calls.withLock { $0 } == 0, "inserts, updates and other tables are not deletions of messages")
        try queue.write { db in try db.execute(sql: "DELETE FROM messages") }
        #expect(calls.withLock { $0 } == 1)
        try queue.write { db in
            try db.execute(sql: "DELETE FROM tickets")
            try db.execute(sql: "DELETE FROM messages")
        }
        #expect(calls.withLock { $0 } == 2, "once per transaction")
        try queue.inTransaction { db in
            try db.execute(sql: "INSERT INTO tickets VALUES ('u'); DELETE FROM tickets")
            return .rollback
        }
        #expect(calls.withLock { $0 } == 3, "a rolled-back deletion is reported too")
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

extension CheckpointerTests {
    /// The WAL file's size in bytes.
    static func walSize(_ store: PostboxStore) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: store.path + "-wal"))?[.size] as? Int) ?? 0
    }

    /// Under continuous writes the checkpointer's rounds never find the WAL fully copied when a
    /// write begins; without the writer's own checkpoint of the tail, the WAL would only be
    /// written from its start again at the backstop (here it would grow past 12 MB).
    @Test func underContinuousWritesTheWALIsWrittenFromItsStartAgain() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        try await store.write { db in try db.execute(sql: "CREATE TABLE filler (x BLOB)") }
        let checkpointer = try store.makeCheckpointer()
        let running = Task { try await checkpointer.run(every: .milliseconds(20), restartingAfter: 100) }
        defer { running.cancel() }
        // Eight writers, 400 rows of 3,000 bytes each: about 3,200 pages through the group commit.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<400 {
                        try await store.write { db in
                            try db.execute(sql: "INSERT INTO filler VALUES (randomblob(3000))")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM filler") } == 3_200)
        // The file keeps its largest size: it never held more than a few rounds' frames.
        #expect(Self.walSize(store) < 4_000_000, "WAL \(Self.walSize(store)) bytes")
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test func anIdleWALIsTruncatedSoNoOldPageImagesStayInIt() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        let checkpointer = try store.makeCheckpointer()
        let running = Task { try await checkpointer.run(every: .milliseconds(20), truncatingAfterIdle: .milliseconds(300)) }
        defer { running.cancel() }
        try await store.writer.write { db in
            try db.execute(sql: "CREATE TABLE filler (x BLOB)")
            for _ in 0..<200 { try db.execute(sql: "INSERT INTO filler VALUES (randomblob(3000))") }
        }
        #expect(Self.walSize(store) > 500_000)
        // While writes keep coming (every 50 ms, less than the idle time) the WAL stays.
        for _ in 0..<12 {
            try await store.writer.write { db in try db.execute(sql: "INSERT INTO filler VALUES (randomblob(100))") }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(Self.walSize(store) > 0)
        // Idle: every frame is in the file by now, and the WAL is cut to nothing.
        var waited = 0
        while Self.walSize(store) > 0, waited < 250 {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
        }
        #expect(Self.walSize(store) == 0)
        #expect(try await store.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM filler") } == 212)
    }
}

@Suite("Audit timestamps")
struct AuditTimestampTests {
    @Test func formatIsUTCWithMillisecondsAsGRDBStoresDates() {
        #expect(StoredTimestamp.text(Date(timeIntervalSince1970: 0)) == "1970-01-01 00:00:00.000")
        #expect(StoredTimestamp.text(Date(timeIntervalSince1970: 1_795_000_000.1234)) == "2026-11-18 11:06:40.123")
    }
}
