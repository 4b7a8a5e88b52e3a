import Foundation
import GRDB
import Testing

@testable import Postbox

@Suite("Session cache")
struct SessionCacheTests {
    let session = StoredSession(
        id: "s1", userID: "u1", login: "clerk", role: .advisor, status: .active, organisationID: nil,
        consentVersion: nil, subjectID: nil, lastSeenAt: Date(), expiresAt: Date() + 3600)
    let key = Data([1, 2, 3])

    func database(observedBy cache: SessionCache) throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in
            for table in ["sessions", "users", "consents", "messages"] {
                try db.execute(sql: "CREATE TABLE \(table) (id TEXT)")
            }
        }
        queue.add(transactionObserver: SessionCache.observer(of: cache), extent: .databaseLifetime)
        return queue
    }

    @Test(arguments: [
        "INSERT INTO sessions VALUES ('x')", "INSERT INTO users VALUES ('x')", "INSERT INTO consents VALUES ('x')",
        "DELETE FROM sessions",
    ])
    func aCommittedChangeToWhatASessionReadDependsOnEmptiesTheCache(statement: String) throws {
        let cache = SessionCache()
        let queue = try database(observedBy: cache)
        try queue.write { db in try db.execute(sql: "INSERT INTO sessions VALUES ('s')") }
        cache.store(session, tokenHash: key, readIn: cache.generation, readAt: .now)
        #expect(cache.session(tokenHash: key) == session)

        try queue.write { db in try db.execute(sql: "INSERT INTO messages VALUES ('m')") }
        #expect(cache.session(tokenHash: key) == session, "a change to another table leaves it")

        let readStarted = cache.generation
        try queue.write { db in try db.execute(sql: statement) }
        #expect(cache.session(tokenHash: key) == nil)
        cache.store(session, tokenHash: key, readIn: readStarted, readAt: .now)
        #expect(cache.session(tokenHash: key) == nil, "a read that began before the commit is not kept")
    }

    @Test func aRolledBackChangeEmptiesItToo() throws {
        let cache = SessionCache()
        let queue = try database(observedBy: cache)
        cache.store(session, tokenHash: key, readIn: cache.generation, readAt: .now)
        try queue.inTransaction { db in
            try db.execute(sql: "INSERT INTO users VALUES ('x')")
            return .rollback
        }
        #expect(cache.session(tokenHash: key) == nil)
    }

    @Test func anEntryIsUsedForAtMostTheMaximumAge() {
        let cache = SessionCache()
        let readAt = ContinuousClock.now
        cache.store(session, tokenHash: key, readIn: cache.generation, readAt: readAt)
        #expect(cache.session(tokenHash: key, now: readAt + .milliseconds(900)) == session)
        #expect(cache.session(tokenHash: key, now: readAt + SessionCache.maximumAge) == nil)
    }
}
