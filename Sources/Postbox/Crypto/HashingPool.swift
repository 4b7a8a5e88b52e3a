import Foundation
import NIOPosix
import Synchronization

/// The threads Argon2id runs on: a pool of their own, not Swift's cooperative pool.
///
/// One check takes about 0.1 s of CPU and 64 MiB at interactive strength. Swift's cooperative
/// pool has one thread per core, so on it a few logins at once held every thread and stalled
/// every other request until they finished. On these threads the kernel shares the cores
/// between the checks and the server's other work. The pool is small (at most 4 threads, so
/// at most 4 × 64 MiB in use), and at most `capacity` checks wait or run at once: the next
/// caller gets `PostboxError(.busy)` (503 with Retry-After) instead of joining a queue that
/// grows as fast as someone can send logins.
public final class HashingPool: Sendable, Equatable {
    let threads: NIOThreadPool
    /// Checks running or waiting, at most.
    public let capacity: Int
    private let admitted = Mutex(0)

    /// A pool on `threads` (started by the caller) that admits at most `capacity` checks at once.
    public init(threads: NIOThreadPool, capacity: Int) {
        precondition(capacity > 0)
        self.threads = threads
        self.capacity = capacity
    }

    /// The process's pool: min(cores, 4) threads, never shut down, 16 checks per thread admitted
    /// (16 checks of ~0.1 s queue behind each thread: the last admitted waits about 1.6 s).
    public static let shared: HashingPool = {
        let width = min(max(ProcessInfo.processInfo.activeProcessorCount, 1), 4)
        let threads = NIOThreadPool(numberOfThreads: width)
        threads.start()
        return HashingPool(threads: threads, capacity: 16 * width)
    }()

    /// One pool equals only itself.
    public static func == (lhs: HashingPool, rhs: HashingPool) -> Bool { lhs === rhs }

    /// Checks running or waiting now.
    public var inUse: Int { admitted.withLock { $0 } }

    /// Runs `body` on one of the pool's threads and returns its result.
    ///
    /// - Throws: ``PostboxError`` `.busy` when `capacity` checks are already admitted (nothing runs);
    ///   what `body` throws; `CancellationError` if the task is cancelled before `body` starts.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let entered = admitted.withLock { count -> Bool in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        guard entered else { throw PostboxError.busy }
        defer { admitted.withLock { $0 -= 1 } }
        return try await threads.runIfActive(body)
    }
}
