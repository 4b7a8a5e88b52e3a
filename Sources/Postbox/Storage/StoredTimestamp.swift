import Foundation
import GRDB
import GRDBSQLite

/// Reads the dates GRDB stores (`yyyy-MM-dd HH:mm:ss.SSS`, UTC) straight from their bytes.
///
/// GRDB's general date decoding goes through `Calendar`, which costs more than the rest of a
/// message's row; a page of messages decodes a hundred dates. Anything not in that exact form
/// (or out of range) is left to GRDB, so this only ever takes the fast way for what GRDB wrote.
enum StoredTimestamp {
    /// `date` as GRDB stores a `Date` (UTC, `yyyy-MM-dd HH:mm:ss.SSS`, to the nearest
    /// millisecond as its `DateFormatter` rounds), for binding on the hot write paths: GRDB
    /// formats a bound `Date` with a `DateFormatter` (2% of a post). Tested to equal GRDB's own
    /// text. Audit events store and hash their time in this form (`GRDBAuditLog.append`).
    static func text(_ date: Date) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(23)
        CivilTime.parts(date, rounding: .toNearestOrAwayFromZero)
            .append(to: &text, separator: UInt8(ascii: " "), milliseconds: true)
        return String(decoding: text, as: UTF8.self)
    }

    /// The date of `bytes` in GRDB's storage format (with or without milliseconds), or nil.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Date? {
        guard bytes.count == 23 || bytes.count == 19 else { return nil }
        func number(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for index in start..<(start + count) {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
            }
            return value
        }
        guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: " "),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), (1...daysInMonth(month, year: year)).contains(day), hour < 24, minute < 60,
            second < 60
        else { return nil }
        var milliseconds = 0
        if bytes.count == 23 {
            guard bytes[19] == UInt8(ascii: "."), let value = number(20, 3) else { return nil }
            milliseconds = value
        }
        let days = CivilTime.days(year: year, month: month, day: day)
        // The same sums in the same order as Foundation's `Calendar.date(from:)`, which GRDB
        // decodes with: the time of day with its fraction first, then the day's start. Adding the
        // fraction last differs in the last bit for dates near 2001-01-01, where the interval is
        // small (checked against GRDB's decoding with `==` in the tests, those dates included).
        let timeOfDay = TimeInterval(hour * 3_600 + minute * 60 + second)
            + TimeInterval(milliseconds * 1_000_000) / 1_000_000_000
        return Date(timeIntervalSinceReferenceDate: timeOfDay + TimeInterval(days * 86_400 - 978_307_200))
    }

    private static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension Statement {
    /// The date in column `index` of the statement's current row, read by ``StoredTimestamp``
    /// from SQLite's own text buffer (no copy); nil when the value is not text in GRDB's form,
    /// which the caller then decodes through GRDB.
    func storedDate(atColumn index: Int) -> Date? {
        let column = Int32(index)
        guard sqlite3_column_type(sqliteStatement, column) == SQLITE_TEXT,
            let text = sqlite3_column_text(sqliteStatement, column)
        else { return nil }
        let count = Int(sqlite3_column_bytes(sqliteStatement, column))
        return StoredTimestamp.parse(UnsafeRawBufferPointer(start: text, count: count))
    }

    /// The text sealed under `key` for `location` in column `index` of the current row,
    /// decrypted out of SQLite's own buffer (no copy of the ciphertext).
    ///
    /// - Throws: ``CryptoError/malformedCiphertext`` when the value is not a blob, else as
    ///   ``SecretKey/openText(_:at:)``.
    func openText(atColumn index: Int, key: SecretKey, at location: FieldLocation) throws -> String {
        let column = Int32(index)
        guard sqlite3_column_type(sqliteStatement, column) == SQLITE_BLOB else { throw CryptoError.malformedCiphertext }
        // The pointer first, then its length (SQLite's documented order).
        let bytes = sqlite3_column_blob(sqliteStatement, column)
        let count = Int(sqlite3_column_bytes(sqliteStatement, column))
        return try key.openText(UnsafeRawBufferPointer(start: bytes, count: count), at: location)
    }
}
