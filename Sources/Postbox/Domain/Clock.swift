import Foundation

/// The source of "now" for everything that expires (sessions, lockouts, activation codes).
///
/// Production uses the system clock; tests inject a clock they advance, so nothing sleeps.
public typealias Now = @Sendable () -> Date

/// The system clock.
public let systemNow: Now = { Date() }
