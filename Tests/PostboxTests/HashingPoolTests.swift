import Foundation
import NIOPosix
import Synchronization
import Testing

@testable import Postbox

/// A gate a pool job waits at until the test opens it (from any thread).
private final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let waiting = Mutex(0)

    /// Blocks the calling thread until `open` (counts the waiters).
    func pass() {
        waiting.withLock { $0 += 1 }
        semaphore.wait()
    }

    /// Threads blocked in `pass` now or earlier.
    var arrived: Int { waiting.withLock { $0 } }

    func open(_ count: Int) { for _ in 0..<count { semaphore.signal() } }
}

/// Waits, without blocking a thread, until `condition` holds (at most `seconds`).
private func eventually(seconds: Double = 30, _ condition: () -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        if Date() > deadline { return false }
        try await Task.sleep(for: .milliseconds(5))
    }
    return true
}

@Suite("Password hashing pool")
struct HashingPoolTests {
    @Test func aFullPoolRefusesWithBusyAndAdmitsAgainWhenWorkEnds() async throws {
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        let pool = HashingPool(threads: threads, capacity: 2)
        let gate = Gate()

        async let first = pool.run { gate.pass(); return 1 }
        #expect(try await eventually { gate.arrived == 1 })
        async let second = pool.run { 2 }  // waits behind the first, on the pool's one thread
        #expect(try await eventually { pool.inUse == 2 })

        // PostboxError.busy: code `server-busy`, Retry-After 1 (equality covers both).
        await #expect(throws: PostboxError.busy) { try await pool.run { 3 } }

        gate.open(1)
        #expect(try await first == 1)
        #expect(try await second == 2)
        #expect(pool.inUse == 0)

        // A job that throws gives its place back too.
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await pool.run { () throws -> Int in throw Failure() } }
        #expect(pool.inUse == 0)
        #expect(try await pool.run { 4 } == 4)
        try await threads.shutdownGracefully()
    }

    /// Jobs that block every pool thread, as many as Swift's cooperative pool has threads,
    /// must leave that pool free: tasks started meanwhile finish. Run on the caller's
    /// thread instead, the jobs would hold the cooperative threads and the tasks would never
    /// run; a watchdog thread then opens the gate after 30 s and the test fails instead of hanging.
    @Test func blockedHashingThreadsLeaveSwiftsThreadsFree() async throws {
        let width = max(ProcessInfo.processInfo.activeProcessorCount, 2)
        let threads = NIOThreadPool(numberOfThreads: width)
        threads.start()
        let pool = HashingPool(threads: threads, capacity: width)
        let gate = Gate()
        let watchdogFired = Mutex(false)
        let finished = Mutex(false)
        let watchdog = Thread {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline, !finished.withLock({ $0 }) { Thread.sleep(forTimeInterval: 0.01) }
            if !finished.withLock({ $0 }) {
                watchdogFired.withLock { $0 = true }
                gate.open(width)
            }
        }
        watchdog.start()

        try await withThrowingTaskGroup(of: Void.self) { jobs in
            for _ in 0..<width { jobs.addTask { try await pool.run { gate.pass() } } }
            #expect(try await eventually { gate.arrived == width })
            let sum = await withTaskGroup(of: Int.self) { group in
                for i in 0..<(4 * width) { group.addTask { i } }
                return await group.reduce(0, +)
            }
            #expect(sum == (0..<(4 * width)).reduce(0, +))
            finished.withLock { $0 = true }
            gate.open(width)
            try await jobs.waitForAll()
        }
        #expect(!watchdogFired.withLock { $0 }, "tasks waited for the blocked hashing threads")
        try await threads.shutdownGracefully()
    }

    @Test func hashingAndVerifyingRunOnThePool() async throws {
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        let pool = HashingPool(threads: threads, capacity: 1)
        let hasher = PasswordHasher(strength: .minimum, pool: pool)
        let hash = try await hasher.hash("a passphrase of some length")
        #expect(try await hasher.verify("a passphrase of some length", against: hash))

        // With the pool's one place taken, both are refused without doing the work.
        let gate = Gate()
        async let holder: Void = pool.run { gate.pass() }
        #expect(try await eventually { gate.arrived == 1 })
        await #expect(throws: PostboxError.busy) { try await hasher.verify("a passphrase of some length", against: hash) }
        await #expect(throws: PostboxError.busy) { try await hasher.hash("another") }
        gate.open(1)
        try await holder
        try await threads.shutdownGracefully()
    }
}
