import Foundation

/// Limits on failed logins (DESIGN.md section 5, issue 3).
public struct LoginThrottleSettings: Sendable, Codable, Equatable {
    /// Failures of one login within the window that lock it.
    public var maxAccountFailures: Int = 5
    /// Failures from one shortened address, over all logins, within the window that block it.
    public var maxAddressFailures: Int = 30
    /// The counting window in seconds.
    public var windowSeconds: Int = 900
    /// How long a lock lasts, in seconds.
    public var lockSeconds: Int = 900

    public init() {}
}

/// Counts failed logins per login name and per shortened source address, in memory.
///
/// Only attempts that were actually checked count, and a locked login is refused before its
/// password is checked. So attacking one login from a shared NAT adds at most
/// `maxAccountFailures` per window to the address: the NAT's other users are not locked out
/// unless many different logins fail from it (password spraying). Counters live in memory:
/// a restart clears them (one server instance; see docs/decisions.md).
public actor LoginThrottle {
    struct Window {
        var failures: [Date] = []
        var lockedUntil: Date?
    }

    let settings: LoginThrottleSettings
    private var accounts: [String: Window] = [:]
    private var addresses: [String: Window] = [:]
    /// Above this many tracked keys, expired entries are pruned.
    private let pruneThreshold = 50_000

    public init(settings: LoginThrottleSettings) { self.settings = settings }

    /// Seconds until `login` from `address` may try again, or nil if it may try now.
    public func retryAfter(login: String, address: String?, now: Date) -> Int? {
        let waits = [accounts[Self.key(login)]?.lockedUntil, address.flatMap { addresses[$0]?.lockedUntil }]
            .compactMap { $0 }.filter { $0 > now }
        return waits.max().map { max(1, Int(($0.timeIntervalSince(now)).rounded(.up))) }
    }

    /// Records a checked failure; returns true if this failure locked the login.
    public func recordFailure(login: String, address: String?, now: Date) -> Bool {
        if accounts.count + addresses.count > pruneThreshold { prune(now: now) }
        let lockedAccount = Self.count(&accounts[Self.key(login), default: Window()], now: now,
                                       limit: settings.maxAccountFailures, settings: settings)
        if let address {
            _ = Self.count(&addresses[address, default: Window()], now: now, limit: settings.maxAddressFailures,
                           settings: settings)
        }
        return lockedAccount
    }

    /// A successful login clears the login's failures (not the address's).
    public func recordSuccess(login: String) {
        accounts[Self.key(login)] = nil
    }

    private static func count(_ window: inout Window, now: Date, limit: Int, settings: LoginThrottleSettings) -> Bool {
        let horizon = now - TimeInterval(settings.windowSeconds)
        window.failures = window.failures.filter { $0 > horizon } + [now]
        guard window.failures.count >= limit else { return false }
        window.lockedUntil = now + TimeInterval(settings.lockSeconds)
        window.failures = []
        return true
    }

    private func prune(now: Date) {
        let horizon = now - TimeInterval(settings.windowSeconds)
        let live = { (w: Window) in (w.lockedUntil ?? .distantPast) > now || (w.failures.last ?? .distantPast) > horizon }
        accounts = accounts.filter { live($0.value) }
        addresses = addresses.filter { live($0.value) }
    }

    private static func key(_ login: String) -> String { login.lowercased() }
}
