import Foundation
import Synchronization

/// The per-user limit on new entries (configuration `rateLimits`; every key may be left out).
public struct RateLimitSettings: Sendable, Codable, Equatable {
    /// Messages, tickets and attachments one account may write per minute, on average; 0 turns the limit off.
    public var entriesPerMinute: Int = 120
    /// How many may come at once before the average applies.
    public var burst: Int = 30

    public init() {}

    enum CodingKeys: String, CodingKey { case entriesPerMinute, burst }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        entriesPerMinute =
            try c.decodeIfPresent(Int.self, forKey: .entriesPerMinute) ?? RateLimitSettings().entriesPerMinute
        burst = try c.decodeIfPresent(Int.self, forKey: .burst) ?? RateLimitSettings().burst
    }
}

/// A token bucket per account for writing entries, in memory: `burst` at once, then
/// `entriesPerMinute` on average. A refused write answers 429 with Retry-After.
public final class WriteRateLimiter: Sendable {
    struct Bucket {
        var tokens: Double
        var updated: Date
    }

    let settings: RateLimitSettings
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(settings: RateLimitSettings) { self.settings = settings }

    /// Takes one token for `userID`; throws 429 `too-many-requests` when there is none.
    public func acquire(userID: String, now: Date) throws {
        guard settings.entriesPerMinute > 0 else { return }
        let rate = Double(settings.entriesPerMinute) / 60
        let capacity = Double(max(1, settings.burst))
        let wait: Int? = buckets.withLock { buckets in
            if buckets.count > 50_000 {
                // Forget full buckets: they carry no state.
                buckets = buckets.filter { $0.value.tokens + now.timeIntervalSince($0.value.updated) * rate < capacity }
            }
            var bucket = buckets[userID] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + max(0, now.timeIntervalSince(bucket.updated)) * rate)
            bucket.updated = now
            defer { buckets[userID] = bucket }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))) }
            bucket.tokens -= 1
            return nil
        }
        if let wait {
            throw PostboxError(
                .tooManyRequests, detail: "too many new entries from this account; try again in \(wait) s",
                retryAfter: wait)
        }
    }
}
