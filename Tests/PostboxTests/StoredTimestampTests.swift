import Foundation
import GRDB
import Testing

@testable import Postbox

@Suite("Stored timestamps")
struct StoredTimestampTests {
    /// The fast reading must give exactly the `Date` GRDB's own decoding gives, for dates GRDB
    /// wrote (random instants over four centuries, leap days, the epoch, millisecond edges, every
    /// millisecond of a second just before 2001-01-01).
    @Test func readsWhatGRDBWroteExactlyAsGRDBReadsIt() throws {
        let queue = try DatabaseQueue()
        var generator = SystemRandomNumberGenerator()
        var dates = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.001), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
            Date(timeIntervalSince1970: 4_107_542_399.999), Date(timeIntervalSince1970: -2_208_988_800),  // 1900-01-01
        ]
        // Every millisecond of one second near 2001-01-01, where the interval is small enough for
        // the order of the sums to show in the last bit (three in four of them differed once).
        dates += (0..<1_000).map { Date(timeIntervalSince1970: 978_286_679 + TimeInterval($0) / 1_000) }
        for _ in 0..<5_000 {
            let millis = Int64.random(in: -6_000_000_000_000...7_000_000_000_000, using: &generator)
            dates.append(Date(timeIntervalSince1970: TimeInterval(millis) / 1_000))
        }
        try queue.inDatabase { db in
            try db.execute(sql: "CREATE TABLE t (d DATETIME)")
            for date in dates { try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [date]) }
            let rows = try Row.fetchAll(db, sql: "SELECT d, CAST(d AS TEXT) FROM t")
            var fast = 0
            for row in rows {
                let viaGRDB: Date = row[0]
                let text: String = row[1]
                let parsed = text.utf8.withContiguousStorageIfAvailable { StoredTimestamp.parse(UnsafeRawBufferPointer($0)) } ?? nil
                if let parsed {
                    fast += 1
                    #expect(parsed == viaGRDB, "\(text)")
                }
            }
            #expect(fast > 5_000, "four-digit years take the fast way (\(fast))")
            // Writing: the text bound on the hot paths is the text GRDB stores for the `Date`.
            var written = 0
            for date in dates where (0...9_999).contains(CivilTime.parts(date).year) {
                let stored = try String.fetchOne(db, sql: "SELECT CAST(? AS TEXT)", arguments: [date])
                #expect(StoredTimestamp.text(date) == stored, "\(date.timeIntervalSince1970)")
                written += 1
            }
            #expect(written > 5_000)
            // From the statement's current row, as a page of messages reads them.
            let statement = try db.makeStatement(sql: "SELECT d, NULL, 42 FROM t")
            let cursor = try Row.fetchCursor(statement)
            var read = 0
            while let row = try cursor.next() {
                let viaGRDB: Date = row[0]
                #expect(statement.storedDate(atColumn: 0) == viaGRDB)
                #expect(statement.storedDate(atColumn: 1) == nil, "NULL is left to GRDB")
                #expect(statement.storedDate(atColumn: 2) == nil, "so is a number")
                read += 1
            }
            #expect(read == dates.count)
        }
    }

    @Test(arguments: ["2026-02-30 10:00:00.000", "2026-13-01 10:00:00", "2026-11-22T10:00:00.000", "2026-11-22 24:00:00", "2026-11-22 10:00", "２０２６-11-22 10:00:00"])
    func leavesAnythingElseToGRDB(text: String) {
        let parsed = text.utf8.withContiguousStorageIfAvailable { StoredTimestamp.parse(UnsafeRawBufferPointer($0)) } ?? nil
        #expect(parsed == nil)
    }
}
