import GRDB
import Synchronization

/// Read-only connections for single-statement reads that run on the calling thread.
///
/// A synchronous read from a Swift concurrency thread must never wait for a connection: the
/// pool's readers are released by asynchronous reads, whose release needs a free concurrency
/// thread, so waiting threads could hold up the very work that frees a reader (this deadlocked
/// the ticket list under load when the on-thread reads shared the pool). These connections are
/// used by no one else, a read takes one only if it is free at once, and it is given back
/// before the read returns; when all are busy the caller reads through the pool asynchronously.
final class ThreadReaders: Sendable {
    private let connections: [DatabaseQueue]
    private let free: Mutex<[Int]>

    /// Opens `count` read-only connections to the database at `path` (which must exist).
    init(path: String, count: Int) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        configuration.label = "postbox.thread-reader"
        connections = try (0..<count).map { _ in try DatabaseQueue(path: path, configuration: configuration) }
        free = Mutex(Array(0..<count))
    }

    /// Runs `body` on a free connection on this thread, outside a transaction; nil when every
    /// connection is in use.
    func read<T>(_ body: (Database) throws -> T) throws -> T? {
        guard let index = free.withLock({ $0.popLast() }) else { return nil }
        defer { free.withLock { $0.append(index) } }
        return try connections[index].unsafeRead(body)
    }
}
