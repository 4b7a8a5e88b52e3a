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
