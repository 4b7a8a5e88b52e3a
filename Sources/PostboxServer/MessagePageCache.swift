import NIOCore
import Postbox
import ServiceLifecycle
import Synchronization

/// How much the server keeps of thread pages it has written (`pageCache` in `postbox.json`).
struct PageCacheSettings: Codable, Equatable, Sendable {
    /// Most bytes of written pages kept at once; 0 turns the cache off.
    var maxMegabytes: Int = 32
    /// Seconds a written page is kept at most, used or not.
    var maxAgeSeconds: Int = 60

    init() {}

    enum CodingKeys: String, CodingKey { case maxMegabytes, maxAgeSeconds }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxMegabytes = try c.decodeIfPresent(Int.self, forKey: .maxMegabytes) ?? PageCacheSettings().maxMegabytes
        maxAgeSeconds = try c.decodeIfPresent(Int.self, forKey: .maxAgeSeconds) ?? PageCacheSettings().maxAgeSeconds
    }
}

/// Thread pages as they were written to a reader (the JSON of `GET /v1/tickets/{id}/messages`),
/// each with the version of the ticket's messages it shows, so that a reader who asks for the
/// same page again while nothing changed gets it without a message being read, decrypted or
/// written out again (docs/decisions.md, "Thread pages kept in memory").
///
/// Correctness does not rest on this cache emptying itself: every read still checks consent and
/// the ticket's scope against the database, and asks the store whether the ticket's messages
/// are still at the version of the kept page (`tickets.version`, counted by triggers on
/// `messages`, whatever statement changes one). A page is kept per reader (their id and role
/// decide what it shows: `mine`, held messages, origins) and per `before` and `limit`. The
/// DPO's pages (which hold revisions) are never kept.
///
/// Kept pages hold decrypted text in this process's memory, as every answer does while it is
/// written; they are kept for at most ``maxAge`` and within ``capacityBytes``, and all of them
/// are dropped when this process deletes messages or tickets (erasure, retention), so that
/// erased text does not outlive its erasure here. Pages of other processes' deletions (an
/// operator's `purge`) can no longer be shown (their version changed) and leave within ``maxAge``.
/// A read that began before such a deletion does not keep its page: each read notes the
/// ``generation`` before it reads, and its page is kept only if nothing was dropped since.
final class MessagePageCache: Sendable {
    struct Key: Hashable, Sendable {
        let ticketID: String
        let viewerID: String
        let role: Role
        let before: Int?
        let limit: Int
    }

    /// A written page and the version of the ticket's messages it shows.
    struct Page: Sendable {
        let version: Int64
        let body: ByteBuffer
    }

    private struct Entry {
        let page: Page
        let storedAt: ContinuousClock.Instant
        /// Position in ``State/order``: an entry stored again has a new one, its old slot is stale.
        let serial: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Keys in the order they were stored (oldest first from `head`), with the serial they had.
        var order: [(key: Key, serial: UInt64)] = []
        var head = 0
        var bytes = 0
        var serial: UInt64 = 0
        /// Raised by ``removeAll()``.
        var generation: UInt64 = 0
    }

    let capacityBytes: Int
    let maxAge: Duration
    private let state = Mutex(State())

    init(settings: PageCacheSettings) {
        capacityBytes = max(0, settings.maxMegabytes) * 1 << 20
        maxAge = .seconds(max(0, settings.maxAgeSeconds))
    }

    var isEnabled: Bool { capacityBytes > 0 && maxAge > .zero }

    /// Whether `principal`'s pages may be kept at all.
    func keeps(_ principal: Principal) -> Bool { isEnabled && principal.role != .dpo }

    /// The page kept for `key`, if it is younger than ``maxAge``.
    func page(for key: Key, now: ContinuousClock.Instant = .now) -> Page? {
        lookup(key, now: now).page
    }

    /// The page kept for `key` (as ``page(for:now:)``) and the generation a read starts from,
    /// to pass to ``store(_:for:readIn:now:)``, taken together.
    func lookup(_ key: Key, now: ContinuousClock.Instant = .now) -> (page: Page?, generation: UInt64) {
        state.withLock { state in
            guard let entry = state.entries[key] else { return (nil, state.generation) }
            guard now - entry.storedAt < maxAge else {
                Self.remove(key, from: &state)
                return (nil, state.generation)
            }
            return (entry.page, state.generation)
        }
    }

    /// The generation a read starts from (``lookup(_:now:)`` gives it with the page).
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Keeps `page` for `key` (replacing what was kept), unless the pages were dropped since
    /// `generation` was taken, dropping the oldest pages while the cache holds more than
    /// ``capacityBytes`` and every page older than ``maxAge``. A page larger than a quarter of
    /// the capacity is not kept.
    func store(_ page: Page, for key: Key, readIn generation: UInt64, now: ContinuousClock.Instant = .now) {
        let size = page.body.readableBytes
        guard isEnabled, size <= capacityBytes / 4 else { return }
        state.withLock { state in
            guard state.generation == generation else { return }
            Self.remove(key, from: &state)
            state.serial &+= 1
            state.entries[key] = Entry(page: page, storedAt: now, serial: state.serial)
            state.order.append((key, state.serial))
            state.bytes += size
            Self.trim(&state, capacity: capacityBytes, notBefore: now - maxAge)
            // A page stored again leaves its old slot behind; a thread read after every change
            // would pile them up behind an older page that is still young.
            if state.order.count - state.head > 2 * state.entries.count + 64 {
                let live = state.order[state.head...].filter { state.entries[$0.key]?.serial == $0.serial }
                state.order = Array(live)
                state.head = 0
            }
        }
    }

    /// Drops the pages older than ``maxAge``.
    func sweep(now: ContinuousClock.Instant = .now) {
        state.withLock { Self.trim(&$0, capacity: capacityBytes, notBefore: now - maxAge) }
    }

    /// Drops every page and starts a new generation.
    func removeAll() {
        state.withLock { state in
            state = State(generation: state.generation &+ 1)
        }
    }

    /// Bytes of the pages kept now.
    var bytes: Int { state.withLock { $0.bytes } }

    /// Pages kept now.
    var count: Int { state.withLock { $0.entries.count } }

    /// Slots of the order pages leave in, stale ones included (bounded by twice ``count`` + 64).
    var orderSlots: Int { state.withLock { $0.order.count - $0.head } }

    private static func remove(_ key: Key, from state: inout State) {
        if let old = state.entries.removeValue(forKey: key) { state.bytes -= old.page.body.readableBytes }
    }

    /// Drops from the oldest end: pages stored at or before `notBefore` (as old as ``maxAge`` or
    /// older), then pages while over `capacity`.
    private static func trim(_ state: inout State, capacity: Int, notBefore: ContinuousClock.Instant) {
        while state.head < state.order.count {
            let (key, serial) = state.order[state.head]
            if let entry = state.entries[key], entry.serial == serial {
                guard state.bytes > capacity || entry.storedAt <= notBefore else { break }
                remove(key, from: &state)
            }
            state.head += 1
        }
        // The stale slots in front are dropped once they are half the list.
        if state.head > 64, state.head * 2 > state.order.count {
            state.order.removeFirst(state.head)
            state.head = 0
        }
    }
}

/// Drops the pages that have outlived ``MessagePageCache/maxAge`` while no one reads, so that
/// an idle server keeps no decrypted text much longer than that (a quarter of it at most).
struct PageCacheSweeper: Service {
    let cache: MessagePageCache

    func run() async throws {
        // A service that returns ends the server: with the cache off, wait for the shutdown.
        guard cache.isEnabled else {
            try? await gracefulShutdown()
            return
        }
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: cache.maxAge / 4)
                    cache.sweep()
                }
            }
        } catch is CancellationError {
            return
        }
    }
}
