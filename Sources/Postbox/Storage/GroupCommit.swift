import GRDB
import Synchronization

/// Group commit: write transactions that arrive while a commit is in flight are run together
/// in the next transaction, one savepoint each, and share its commit and fsync.
///
/// With `synchronous=FULL` every commit waits for the disk (a few hundred to a thousand per
/// second here); batching lets concurrent requests share that wait without weakening it: a
/// caller's result is handed back only after the shared COMMIT returned, so every answered
/// write is durable. No timer delays a batch: a lone write commits at once, and under load a
/// batch holds what arrived during the previous commit. A body that throws is rolled back to its
/// own savepoint and gets its own error; the others commit.
final class GroupCommitter: Sendable {
    private struct Job: Sendable {
        /// Runs the body in a savepoint inside the shared transaction and keeps its outcome;
        /// throws only when the body's savepoint could not be undone, which fails the batch.
        let run: @Sendable (Database) throws -> Void
        /// Resumes the caller after the batch committed (nil) or failed as a whole.
        let finish: @Sendable ((any Error)?) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    private let writer: DatabasePool
    private let state = Mutex(State())
    /// Whether the writer should checkpoint after its current batch (``requestTailCheckpoint()``).
    private let tailCheckpointWanted = Atomic(false)
    /// Most writes in one transaction, so one batch never holds the write lock for long.
    static let maximumBatch = 64

    init(writer: DatabasePool) {
        self.writer = writer
    }

    /// Runs `body` in a write transaction shared with concurrent writes; returns after the commit.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let outcome = Mutex<Result<T, any Error>?>(nil)
            let job = Job(
                run: { db in
                    do {
                        let value = try Self.inSavepoint(db) { try body(db) }
                        outcome.withLock { $0 = .success(value) }
                    } catch let failure as SavepointRollbackFailed {
                        throw failure.cause
                    } catch {
                        outcome.withLock { $0 = .failure(error) }
                    }
                },
                finish: { batchError in
                    if let batchError {
                        continuation.resume(throwing: batchError)
                    } else if let result = outcome.withLock({ $0 }) {
                        continuation.resume(with: result)
                    } else {
                        continuation.resume(
                            throwing: DatabaseError(resultCode: .SQLITE_ERROR, message: "write did not run"))
                    }
                })
            let start = state.withLock { state -> Bool in
                state.pending.append(job)
                if state.draining { return false }
                state.draining = true
                return true
            }
            if start { Task { await self.drain() } }
        }
    }

    /// Runs `body` in a savepoint of the shared transaction: released when it returns, rolled
    /// back (and released) when it throws. GRDB's `inSavepoint` compiles its three statements
    /// on every call (3.5% of a post); these come from the connection's statement cache. GRDB
    /// still sees each statement's savepoint effect, so transaction observers drop the events
    /// of a rolled-back body as with `inSavepoint`.
    ///
    /// When the rollback itself fails, the body's writes may still be in the transaction: that
    /// is thrown as ``SavepointRollbackFailed`` and fails the whole batch (nothing commits),
    /// never reported as the body's own error while the others commit.
    private static func inSavepoint<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.cachedStatement(sql: "SAVEPOINT postbox_write").execute()
        do {
            let value = try body()
            try db.cachedStatement(sql: "RELEASE SAVEPOINT postbox_write").execute()
            return value
        } catch {
            do {
                try db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT postbox_write").execute()
                try db.cachedStatement(sql: "RELEASE SAVEPOINT postbox_write").execute()
            } catch let cause {
                throw SavepointRollbackFailed(cause: cause)
            }
            throw error
        }
    }

    private struct SavepointRollbackFailed: Error {
        let cause: any Error
    }

    /// Asks the writer to checkpoint the WAL itself once its current batch is answered
    /// (``Checkpointer`` explains why). A request made while the writer is idle waits for the
    /// next batch; several requests before it make one checkpoint.
    func requestTailCheckpoint() {
        tailCheckpointWanted.store(true, ordering: .releasing)
    }

    /// Commits batches until no write is waiting.
    private func drain() async {
        while true {
            let jobs = state.withLock { state -> [Job] in
                let batch = Array(state.pending.prefix(Self.maximumBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            if jobs.isEmpty { return }
            do {
                try await writer.writeWithoutTransaction { db in
                    try db.inTransaction {
                        for job in jobs { try job.run(db) }
                        return .commit
                    }
                }
                for job in jobs { job.finish(nil) }
            } catch {
                for job in jobs { job.finish(error) }
            }
            if tailCheckpointWanted.exchange(false, ordering: .acquiringAndReleasing) {
                // A failure (a lock an operator command holds) leaves the WAL to grow until the next request.
                _ = try? await writer.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            }
        }
    }
}
