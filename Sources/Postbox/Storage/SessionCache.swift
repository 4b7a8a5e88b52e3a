import Foundation
import GRDB
import Synchronization

/// Sessions recently read, so a request does not need a database read to authenticate.
///
/// Every request reads its session; under load most of those reads find what the previous
/// request found. The cache holds what `GRDBSessionRepository.session(tokenHash:)` read (keyed
/// by the token's keyed hash; no token, no content) and is emptied whenever a transaction of
/// this process changes `sessions`, `users` or `consents` — logout, disabling an account, a
/// role change, erasure, an idle-time touch — through a GRDB transaction observer, so no write
/// path can forget it. An entry is used for at most ``maximumAge``: operator commands in another
/// process (`purge`) bypass the observer; what they delete is expired anyway.
///
/// Reads race with writes: a read that began before a commit may finish after the cache was
/// emptied. Each read therefore notes the generation before reading and its result is kept only
/// if no change was committed in between.
final class SessionCache: Sendable {
    /// How long an entry is used without reading the database again.
    static let maximumAge: Duration = .seconds(1)
    /// Most entries; a full cache is emptied rather than managed.
    static let capacity = 10_000

    private struct Entry {
        let session: StoredSession
        let readAt: ContinuousClock.Instant
    }

    private struct State {
        var entries: [Data: Entry] = [:]
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())

    /// The cached session for `tokenHash`, if read within ``maximumAge``.
    func session(tokenHash: Data, now: ContinuousClock.Instant = .now) -> StoredSession? {
        state.withLock { state in
            guard let entry = state.entries[tokenHash], now - entry.readAt < Self.maximumAge else { return nil }
            return entry.session
        }
    }

    /// The generation a read starts from; pass it to ``store(_:tokenHash:readIn:readAt:)``.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Keeps `session` unless a change was committed since `generation` was taken.
    func store(_ session: StoredSession, tokenHash: Data, readIn generation: UInt64, readAt: ContinuousClock.Instant) {
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[tokenHash] = Entry(session: session, readAt: readAt)
        }
    }

    /// Empties the cache and starts a new generation.
    func invalidate() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll()
        }
    }

    /// Watches the tables a session read depends on (any change to `sessions`, `users` or
    /// `consents`); register with `DatabasePool.add(transactionObserver:)`.
    static func observer(of cache: SessionCache) -> ChangeObserver {
        ChangeObserver(observing: { tables.contains($0.tableName) }, action: { cache.invalidate() })
    }

    static let tables: Set<String> = ["sessions", "users", "consents"]
}
