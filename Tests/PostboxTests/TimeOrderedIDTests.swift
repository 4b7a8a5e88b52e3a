import Foundation
import Testing

@testable import Postbox

@Suite("Time-ordered ids (UUID version 7)")
struct TimeOrderedIDTests {
    @Test func isALowerCaseUUIDOfVersion7WithTheRFCVariant() throws {
        for _ in 0..<1_000 {
            let id = TimeOrderedID.make()
            #expect(id == id.lowercased())
            let uuid = try #require(UUID(uuidString: id)).uuid
            #expect(uuid.6 >> 4 == 7, "version nibble of \(id)")
            #expect(uuid.8 >> 6 == 0b10, "variant bits of \(id)")
        }
    }

    @Test func carriesItsMillisecondAndSortsByIt() throws {
        var previous = ""
        for step in 0..<2_000 {
            // Half-way through each millisecond, so no binary fraction rounds into its neighbour.
            let instant = Date(timeIntervalSince1970: Double(1_795_000_000_123 + step) / 1_000 + 0.0005)
            let id = TimeOrderedID.make(at: instant)
            let decoded = try #require(TimeOrderedID.instant(of: id))
            #expect(abs(decoded.timeIntervalSince1970 - instant.timeIntervalSince1970) < 0.001)
            // Text order is time order, so new rows go to the end of an index of ids.
            #expect(previous < id, "\(previous) < \(id)")
            previous = id
        }
    }

    /// The text is Foundation's UUID text in lower case, for random bits and at the edges.
    @Test func theTextIsTheUUIDsText() {
        var generator = SystemRandomNumberGenerator()
        let edges: [(UInt64, UInt64)] = [(0, 0), (.max, .max), (0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210)]
        let random = (0..<2_000).map { _ in (generator.next() as UInt64, generator.next() as UInt64) }
        for (upper, lower) in edges + random {
            let u = upper.bigEndian, l = lower.bigEndian
            let uuid = withUnsafeBytes(of: (u, l)) { raw in
                (raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7],
                 raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15])
            }
            #expect(TimeOrderedID.text(upper: upper, lower: lower) == UUID(uuid: uuid).uuidString.lowercased())
        }
        #expect(
            TimeOrderedID.make(at: Date(timeIntervalSince1970: 1_795_000_000.1235), random: (.max, .max))
                == "01a1ee56-5e7b-7fff-bfff-ffffffffffff")
    }

    @Test func theRestIsRandom() {
        let instant = Date()
        let ids = (0..<10_000).map { _ in TimeOrderedID.make(at: instant) }
        #expect(Set(ids).count == ids.count)
        // 74 random bits: every hex digit after the time and version varies.
        let tails = Set(ids.map { $0.suffix(12) })
        #expect(tails.count == ids.count)
        #expect(TimeOrderedID.instant(of: UUID().uuidString.lowercased()) == nil)
        #expect(TimeOrderedID.instant(of: "not an id") == nil)
    }
}
