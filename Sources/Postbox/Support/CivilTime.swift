import Foundation

/// Proleptic Gregorian calendar arithmetic in UTC, for the timestamps written and read on every
/// request (JSON dates, audit times, stored dates).
///
/// `gmtime_r` takes glibc's time-zone lock on every call and `Calendar` is slower still; these
/// are Howard Hinnant's `days_from_civil` / `civil_from_days`, exact for every date, tested
/// against `gmtime_r`.
public enum CivilTime {
    /// A UTC instant split into calendar fields.
    public struct Parts: Equatable, Sendable {
        public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int
    }

    /// Days since 1970-01-01 of `year`-`month`-`day`.
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date `days` after 1970-01-01.
    public static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The UTC fields of `date`, rounded to the millisecond (down unless told otherwise).
    public static func parts(_ date: Date, rounding: FloatingPointRoundingRule = .down) -> Parts {
        let milliseconds = Int((date.timeIntervalSince1970 * 1_000).rounded(rounding))
        let (seconds, millisecond) = floorDivision(milliseconds, 1_000)
        let (days, secondOfDay) = floorDivision(seconds, 86_400)
        let (year, month, day) = Self.date(days: days)
        return Parts(
            year: year, month: month, day: day, hour: secondOfDay / 3_600, minute: secondOfDay % 3_600 / 60,
            second: secondOfDay % 60, millisecond: millisecond)
    }

    private static func floorDivision(_ value: Int, _ divisor: Int) -> (quotient: Int, remainder: Int) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }
}

extension CivilTime.Parts {
    /// The longest text ``write(to:separator:milliseconds:)`` writes (`yyyy-MM-dd HH:mm:ss.SSS`).
    public static let maximumTextLength = 23

    /// Appends `yyyy-MM-dd`, `separator`, `HH:mm:ss` and, when `milliseconds`, `.SSS`: the JSON
    /// dates (`T`, whole seconds) and the stored/audited times (space, milliseconds) alike.
    public func append(to bytes: inout [UInt8], separator: UInt8, milliseconds: Bool) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maximumTextLength) { scratch in
            let count = write(to: scratch.baseAddress!, separator: separator, milliseconds: milliseconds)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<count]))
        }
    }

    /// Writes the text of ``append(to:separator:milliseconds:)`` at `target`, which must have room
    /// for ``maximumTextLength`` bytes; returns the number of bytes written (19, or 23 with
    /// milliseconds: the year is always four digits).
    public func write(to target: UnsafeMutablePointer<UInt8>, separator: UInt8, milliseconds: Bool) -> Int {
        var count = 0
        func put(_ byte: UInt8) {
            target[count] = byte
            count += 1
        }
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                put(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        digits(year, 4)
        put(UInt8(ascii: "-"))
        digits(month, 2)
        put(UInt8(ascii: "-"))
        digits(day, 2)
        put(separator)
        digits(hour, 2)
        put(UInt8(ascii: ":"))
        digits(minute, 2)
        put(UInt8(ascii: ":"))
        digits(second, 2)
        if milliseconds {
            put(UInt8(ascii: "."))
            digits(millisecond, 3)
        }
        return count
    }
}
