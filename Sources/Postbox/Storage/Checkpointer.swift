import Foundation
import GRDB

/// Copies the WAL back into the database file from a connection of its own, so that the
/// commits of the server do not have to.
///
/// SQLite checkpoints automatically inside the commit that takes the WAL past 1,000 pages: that
/// commit (and every write batched into it) then also copies those pages into the database file
/// and waits for two more fsyncs. With a million messages this put 80 ms into a post's p99.
/// While the server runs, ``run(every:truncatingAfterIdle:restartingAfter:)`` checkpoints in
/// PASSIVE mode from this connection instead (it never blocks writers or readers), and the
/// writer's own automatic checkpoint is moved out to ``backstopPages``, where it only acts if
/// this one falls behind.
///
/// SQLite writes the WAL from its start again (instead of appending) only when a write begins
/// while every frame is in the database file. Under continuous writes that moment never comes
/// from this connection's rounds, since the writer appends while a round copies and syncs: the
/// WAL grew to the backstop (40 MB) every 1.3 s under W1, and the writer's own checkpoint then
/// copied the 1,500-2,000 frames since the last round and synced them, holding up every write
/// for 3-30 ms. So a round that finds ``restartFrames`` or more in the WAL asks the writer to
/// checkpoint the few frames written during it (``GroupCommitter/requestTailCheckpoint()``),
/// after which its next write starts the WAL again (unless a reader still needs its frames):
/// the WAL stays near SQLite's own 1,000 pages, and the writer's syncs of the database file are
/// shorter (about 4 ms).
public final class Checkpointer: Sendable {
    /// WAL pages after which the writer checkpoints by itself (SQLite's default is 1,000).
    public static let backstopPages = 10_000
    /// WAL frames after which a round asks the writer to finish the checkpoint (SQLite's
    /// default automatic checkpoint size).
    public static let restartFrames = 1_000
    /// Seconds this connection waits for a lock (an operator command's write).
    static let busyTimeout: TimeInterval = 1
    private let connection: DatabaseQueue
    private let writer: DatabasePool
    private let committer: GroupCommitter
    private let owedTruncation: OwedTruncation

    init(path: String, writer: DatabasePool, committer: GroupCommitter, owedTruncation: OwedTruncation) throws {
        var configuration = Configuration()
        configuration.label = "postbox.checkpointer"
        configuration.busyMode = .timeout(Self.busyTimeout)
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.writer = writer
        self.committer = committer
        self.owedTruncation = owedTruncation
    }

    /// One PASSIVE checkpoint: copies what no reader still needs, never waits for a lock.
    /// Returns the WAL's frames and how many of them are now in the database file.
    ///
    /// It runs on the connection's own queue, never on a Swift concurrency thread: a round
    /// copies pages and waits for two fsyncs (10-20 ms with a million messages), and run on one
    /// of the few concurrency threads it held back every request scheduled there meanwhile.
    @discardableResult
    public func checkpoint() async throws -> (walFrames: Int, checkpointed: Int) {
        let result = try await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        return (result.walFrameCount, result.checkpointedFrameCount)
    }

    /// Truncates the WAL if an erasure or purge could not (``PostboxStore/truncateWAL(patience:)``);
    /// returns whether one was owed and is now done. Never waits: a reader still on an older
    /// snapshot makes it fail at once, and the next round tries again.
    public func settleOwedTruncation() async -> Bool {
        guard owedTruncation.isOwed else { return false }
        do {
            try await connection.writeWithoutTransaction { db in
                try PostboxStore.truncateWithoutWaiting(db, restoring: Self.busyTimeout)
            }
        } catch {
            return false
        }
        owedTruncation.settle()
        return true
    }

    /// Checkpoints every `interval` until the task is cancelled; the writer's automatic
    /// checkpoint waits for ``backstopPages`` meanwhile and is set back when this returns. A WAL
    /// truncation an erasure or purge still owes is done in the first round that can. A round
    /// that finds `restartFrames` or more in the WAL asks the writer to checkpoint the rest.
    ///
    /// When nothing was written for `idle` and every frame is in the database file, the WAL is
    /// truncated as well, without waiting (a reader in the way: the next round tries again; an
    /// empty WAL: nothing is tried until the next write). So an idle server keeps no old page
    /// images in it, including those of an erasure or purge run by another process
    /// (`postbox-server purge`), whose owed truncation this process cannot know of. Under load
    /// the WAL is reused from its start after each complete checkpoint, overwriting them.
    public func run(
        every interval: Duration, truncatingAfterIdle idle: Duration = .seconds(2),
        restartingAfter restartFrames: Int = Checkpointer.restartFrames
    ) async throws {
        try await writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.backstopPages)")
        }
        defer {
            try? writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 1000") }
        }
        var frames = 0
        var unchangedSince = ContinuousClock.now
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            // A failed round (an operator command holding a lock) is simply tried again.
            if await settleOwedTruncation() { continue }
            guard let round = try? await checkpoint() else { continue }
            if round.walFrames >= restartFrames { committer.requestTailCheckpoint() }
            if round.walFrames != frames {
                frames = round.walFrames
                unchangedSince = .now
            } else if frames > 0, round.checkpointed == frames, ContinuousClock.now - unchangedSince >= idle,
                (try? await connection.writeWithoutTransaction({ db in
                    try PostboxStore.truncateWithoutWaiting(db, restoring: Self.busyTimeout)
                })) != nil
            {
                frames = 0
            }
        }
    }
}
