import Foundation
import GRDB
import PostboxTestSupport
import Synchronization
import Testing

@testable import Postbox

@Suite("Group commit")
struct GroupCommitTests {
    @Test func concurrentWritesShareCommitsAndAFailedOneIsRolledBackAlone() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        try await store.write { db in try db.execute(sql: "CREATE TABLE t (v INTEGER UNIQUE, note TEXT)") }
        let counter = CommitCounter()
        try await store.writer.writeWithoutTransaction { db in
            db.add(transactionObserver: counter, extent: .databaseLifetime)
        }
        // 300 writers; every fourth repeats a value and fails on the UNIQUE constraint after
        // having written a first row in its own savepoint, which must be undone.
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<300 {
                group.addTask {
                    do {
                        try await store.write { db in
                            try db.execute(sql: "INSERT INTO t (v, note) VALUES (?, 'first')", arguments: [10_000 + i])
                            try db.execute(sql: "INSERT INTO t (v) VALUES (?)", arguments: [i % 4 == 3 ? i - 1 : i])
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 225)
        let rows = try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") }
        #expect(rows == 450, "each successful writer left two rows, each failed one none")
        let committed = counter.commits.withLock { $0 }
        #expect(committed >= 1 && committed < 300, "writes shared commits (\(committed) commits for 300 writes)")
    }

    /// A body whose savepoint cannot be undone (here it released the savepoint itself, so the
    /// rollback finds none) must not have its writes committed with the batch: the batch fails.
    @Test func aBodyThatCannotBeRolledBackFailsItsBatchAndNothingOfItCommits() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let store = temporary.store
        try await store.write { db in try db.execute(sql: "CREATE TABLE t (v INTEGER)") }
        struct Refused: Error {}
        await #expect(throws: (any Error).self) {
            try await store.write { db in
                try db.execute(sql: "INSERT INTO t (v) VALUES (1)")
                try db.execute(sql: "RELEASE SAVEPOINT postbox_write")
                throw Refused()
            }
        }
        #expect(try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM t") } == 0)
        // The store goes on: the next write commits.
        try await store.write { db in try db.execute(sql: "INSERT INTO t (v) VALUES (2)") }
        #expect(try await store.writer.read { db in try Int.fetchAll(db, sql: "SELECT v FROM t") } == [2])
    }
}

/// Counts commits of the connection it observes.
final class CommitCounter: TransactionObserver, Sendable {
    let commits = Mutex(0)
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { commits.withLock { $0 += 1 } }
    func databaseDidRollback(_ db: Database) {}
}
