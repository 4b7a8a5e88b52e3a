import Foundation

/// Identifiers for the rows written in large numbers — messages, tickets, revisions,
/// attachments: UUIDs of version 7 (RFC 9562 §5.7), written as lower-case UUID text like every
/// other id of the store.
///
/// A version-4 id lands at a random place in its table's primary-key index, so every post
/// dirtied its own index page: one more page in the WAL per post, written again at the next
/// checkpoint, and with a million messages a page that is rarely in the cache. Version 7 starts
/// with the time in milliseconds, so new ids go to the end of the index, where the page is
/// already dirty and cached. The other 74 bits are random (``SecureRandom``, the kernel's
/// generator through libsodium), so ids stay unguessable; access is checked on every request either way.
/// What the id gives away — the moment of writing to the millisecond — the answer holds
/// anyway (`createdAt`).
public enum TimeOrderedID {
    /// A version-7 UUID for the instant `date`.
    public static func make(at date: Date = Date()) -> String {
        // 128 random bits in one call of the kernel's generator (two draws of
        // `SystemRandomNumberGenerator` were two `getrandom` calls, 0.8% of a post).
        var random: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &random) { SecureRandom.fill($0) }
        return make(at: date, random: random)
    }

    /// The id for `date` whose random bits come from `random` (74 of its 128 bits are used).
    static func make(at date: Date, random: (UInt64, UInt64)) -> String {
        let milliseconds = UInt64(max(0, (date.timeIntervalSince1970 * 1_000).rounded(.down)))
        // unix_ts_ms (48) | ver = 7 (4) | rand_a (12) ‖ var = 0b10 (2) | rand_b (62)
        let upper = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | (random.0 & 0x0FFF)
        let lower = (random.1 & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return text(upper: upper, lower: lower)
    }

    /// The 128 bits `upper ‖ lower` as lower-case UUID text (8-4-4-4-12 hex digits), written
    /// straight into the string (Foundation's `uuidString` formats through `snprintf` and is
    /// upper-case: 0.8% of a post with the lower-casing).
    static func text(upper: UInt64, lower: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { out in
            var position = 0
            for nibble in 0..<32 {
                if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 {
                    out[position] = UInt8(ascii: "-")
                    position += 1
                }
                let word = nibble < 16 ? upper : lower
                let digit = UInt8(truncatingIfNeeded: word >> (60 - 4 * UInt64(nibble % 16))) & 0xF
                out[position] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                position += 1
            }
            return position
        }
    }

    /// The millisecond an id made by ``make(at:)`` was made at; nil for any other text.
    public static func instant(of id: String) -> Date? {
        guard let uuid = UUID(uuidString: id)?.uuid, uuid.6 >> 4 == 7, uuid.8 >> 6 == 0b10 else { return nil }
        let bytes = [uuid.0, uuid.1, uuid.2, uuid.3, uuid.4, uuid.5]
        let milliseconds = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1_000)
    }
}
