import Foundation

/// Identifiers for the rows written in large numbers — messages, tickets, revisions,
/// attachments: UUIDs of version 7 (RFC 9562 §5.7), written as lower-case UUID text like every
/// other id of the store.
///
/// A version-4 id lands at a random place in its table's primary-key index, so every post
/// dirtied its own index page: one more page in the WAL per post, written again at the next
/// checkpoint, and with a million messages a page that is rarely in the cache. Version 7 starts
/// with the time in milliseconds, so new ids go to the end of the index, where the page is
/// already dirty and cached. The other 74 bits are random (`SystemRandomNumberGenerator`, the
/// kernel's generator), so ids stay unguessable; access is checked on every request either way.
/// What the id gives away — the moment of writing to the millisecond — the answer holds
/// anyway (`createdAt`).
public enum TimeOrderedID {
    /// A version-7 UUID for the instant `date`.
    public static func make(at date: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(at: date, using: &generator)
    }

    static func make(at date: Date, using generator: inout some RandomNumberGenerator) -> String {
        let milliseconds = UInt64(max(0, (date.timeIntervalSince1970 * 1_000).rounded(.down)))
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        // unix_ts_ms (48) | ver = 7 (4) | rand_a (12) ‖ var = 0b10 (2) | rand_b (62)
        let upper = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | (high & 0x0FFF)
        let lower = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let u = upper.bigEndian, l = lower.bigEndian
        let uuid = withUnsafeBytes(of: (u, l)) { raw in
            (raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7],
             raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15])
        }
        return UUID(uuid: uuid).uuidString.lowercased()
    }

    /// The millisecond an id made by ``make(at:)`` was made at; nil for any other text.
    public static func instant(of id: String) -> Date? {
        guard let uuid = UUID(uuidString: id)?.uuid, uuid.6 >> 4 == 7, uuid.8 >> 6 == 0b10 else { return nil }
        let bytes = [uuid.0, uuid.1, uuid.2, uuid.3, uuid.4, uuid.5]
        let milliseconds = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
    }
}
