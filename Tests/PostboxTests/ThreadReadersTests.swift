import Foundation
import GRDB
import PostboxTestSupport
import Synchronization
import Testing

@testable import Postbox

@Suite("Reads on the calling thread")
struct ThreadReadersTests {
    /// Regression: when on-thread reads waited for the pool's readers, asynchronous reads that
    /// held those readers could not be resumed to release them, and a ticket list under load
    /// hung the server. Many of both kinds at once over a pool of two readers must all finish.
    /// A deadlock would also stop the test runner's own tasks, so a watchdog thread ends the
    /// process with a message instead of letting `make test` hang.
    @Test func onThreadAndAsynchronousReadsTogetherNeverWaitForEachOther() async throws {
        let finished = Atomic(false)
        DispatchQueue.global().asyncAfter(deadline: .now() + 60) {
            if !finished.load(ordering: .acquiring) {
                FileHandle.standardError.write(Data("FAIL: on-thread and asynchronous reads deadlocked\n".utf8))
                exit(1)
            }
        }
        defer { finished.store(true, ordering: .releasing) }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try PostboxStore.open(
            path: dir.file("db.sqlite"), keyRing: try KeyRing(entries: [.init(id: "mk", key: .random())]),
            configuration: StoreConfiguration(maximumReaderCount: 2))
        try await store.write { db in
            try db.execute(sql: "CREATE TABLE t (v INTEGER)")
            try db.execute(sql: "INSERT INTO t VALUES (1), (2), (3)")
        }
        let sums = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<2_000 {
                group.addTask {
                    if i.isMultiple(of: 2) {
                        return try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT SUM(v) FROM t") ?? 0 }
                    }
                    return try await store.readStatement { db in try Int.fetchOne(db, sql: "SELECT SUM(v) FROM t") ?? 0 }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(sums.count == 2_000)
        #expect(sums.allSatisfy { $0 == 6 })
    }

    @Test func theConnectionsCannotWrite() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try PostboxStore.open(
            path: dir.file("db.sqlite"), keyRing: try KeyRing(entries: [.init(id: "mk", key: .random())]))
        #expect(throws: DatabaseError.self) {
            _ = try store.threadReaders.read { db in try db.execute(sql: "CREATE TABLE x (v INTEGER)") }
        }
    }
}
