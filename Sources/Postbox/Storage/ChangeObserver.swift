import GRDB
import Synchronization

extension PostboxStore {
    /// Calls `action` after every transaction of this process that deleted messages or tickets
    /// (erasure, retention, a rolled-back attempt included), for what keeps their decrypted
    /// text in memory and must let go of it. Deletions by another process are not seen.
    public func afterDeletingMessages(_ action: @escaping @Sendable () -> Void) {
        writer.add(transactionObserver: ChangeObserver.deletions(action: action), extent: .databaseLifetime)
    }
}

/// Calls `action` once after each transaction (committed or rolled back) in which a change it
/// `observes` was made: what keeps copies of rows in memory lets go of them whatever statement
/// changed the rows.
final class ChangeObserver: TransactionObserver, Sendable {
    private let observesKind: @Sendable (DatabaseEventKind) -> Bool
    private let action: @Sendable () -> Void
    private let changed = Mutex(false)

    init(
        observing observesKind: @escaping @Sendable (DatabaseEventKind) -> Bool,
        action: @escaping @Sendable () -> Void
    ) {
        self.observesKind = observesKind
        self.action = action
    }

    /// Deletions from `messages` and `tickets` (a ticket's deletion cascades to its messages).
    static func deletions(action: @escaping @Sendable () -> Void) -> ChangeObserver {
        ChangeObserver(
            observing: { kind in
                guard case .delete(let table) = kind else { return false }
                return table == "messages" || table == "tickets"
            }, action: action)
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        observesKind(eventKind)
    }

    func databaseDidChange(with event: DatabaseEvent) {
        changed.withLock { $0 = true }
    }

    func databaseDidCommit(_ db: Database) {
        finish()
    }

    func databaseDidRollback(_ db: Database) {
        finish()
    }

    private func finish() {
        let wasChanged = changed.withLock { value -> Bool in
            defer { value = false }
            return value
        }
        if wasChanged { action() }
    }
}
