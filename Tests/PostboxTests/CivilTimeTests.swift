import Foundation
import Testing

@testable import Postbox

@Suite("Civil time")
struct CivilTimeTests {
    /// Every field agrees with glibc's `gmtime_r` for random instants from 1700 to 2400 and
    /// for the edges (epoch, leap days, century years, a second before midnight).
    @Test func agreesWithGmtimeAndRoundTrips() {
        var generator = SystemRandomNumberGenerator()
        var seconds: [Int] = [0, -1, 86_399, 86_400, 951_782_400, 951_868_799, 4_107_542_399, -2_208_988_800, 13_574_563_200]
        for _ in 0..<20_000 { seconds.append(Int.random(in: -8_520_000_000...13_569_000_000, using: &generator)) }
        for second in seconds {
            var time = time_t(second)
            var expected = tm()
            gmtime_r(&time, &expected)
            let parts = CivilTime.parts(Date(timeIntervalSince1970: TimeInterval(second) + 0.25))
            #expect(
                parts
                    == CivilTime.Parts(
                        year: Int(expected.tm_year) + 1900, month: Int(expected.tm_mon) + 1, day: Int(expected.tm_mday),
                        hour: Int(expected.tm_hour), minute: Int(expected.tm_min), second: Int(expected.tm_sec),
                        millisecond: 250), "\(second)")
            let days = second >= 0 ? second / 86_400 : (second - 86_399) / 86_400
            #expect(CivilTime.days(year: parts.year, month: parts.month, day: parts.day) == days)
        }
    }

    /// The one formatter behind JSON dates and stored/audited times (the audit hash covers it).
    @Test func formatsBothForms() {
        let parts = CivilTime.parts(Date(timeIntervalSince1970: 951_868_799.999))  // 2000-02-29 23:59:59.999
        var stored: [UInt8] = []
        parts.append(to: &stored, separator: UInt8(ascii: " "), milliseconds: true)
        #expect(String(decoding: stored, as: UTF8.self) == "2000-02-29 23:59:59.999")
        #expect(StoredTimestamp.text(Date(timeIntervalSince1970: 951_868_799.999)) == "2000-02-29 23:59:59.999")
        var json: [UInt8] = []
        CivilTime.parts(Date(timeIntervalSince1970: 5)).append(to: &json, separator: UInt8(ascii: "T"), milliseconds: false)
        #expect(String(decoding: json, as: UTF8.self) == "1970-01-01T00:00:05")
    }
}
