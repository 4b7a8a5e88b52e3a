import Foundation

/// Session lifetimes.
public struct SessionSettings: Sendable, Codable, Equatable {
    /// Minutes without a request after which a session ends.
    public var idleTimeoutMinutes: Int = 30
    /// Hours after login after which a session ends regardless of use.
    public var absoluteTimeoutHours: Int = 12

    public init() {}
}

/// A new session as the login answer carries it.
public struct IssuedSession: Sendable {
    /// The bearer token (43 characters, base64url of 32 random bytes). Shown once, never stored.
    public let token: String
    /// Value a cookie-authenticated client sends in `X-CSRF-Token` with state-changing requests.
    public let csrfToken: String
    /// When the session ends if unused (the idle deadline, capped by the absolute one).
    public let expiresAt: Date
    public let user: User
}

/// Login, logout and authentication of requests by token.
public struct SessionService: Sendable {
    let accounts: AccountService
    let sessions: any SessionRepository
    let audit: any AuditLog
    let throttle: LoginThrottle
    let tokenKey: SecretKey
    let indexKey: SecretKey
    let settings: SessionSettings
    let metrics: PostboxMetrics
    let now: Now

    /// A request refreshes `last_seen_at` at most this often, so reads stay reads.
    static let touchInterval: TimeInterval = 60

    public init(
        accounts: AccountService, sessions: any SessionRepository, audit: any AuditLog, throttle: LoginThrottle,
        systemKeys: SystemKeys, settings: SessionSettings, metrics: PostboxMetrics = .disabled, now: @escaping Now
    ) {
        self.accounts = accounts
        self.sessions = sessions
        self.audit = audit
        self.throttle = throttle
        self.tokenKey = systemKeys.token
        self.indexKey = systemKeys.index
        self.settings = settings
        self.metrics = metrics
        self.now = now
    }

    static let invalidCredentials = PostboxError(.invalidCredentials, detail: "login or password is not valid")
    static let sessionInvalid = PostboxError(.unauthorised, detail: "no valid session; log in again")

    /// Checks `password` for `login` and opens a session.
    ///
    /// Unknown logins, wrong passwords and accounts that are not active all get the same
    /// answer after the same Argon2id work. After too many failures the login (or the
    /// address) is locked and the answer is 429 with `retryAfter`.
    public func login(login: String, password: String, ipPrefix: String?) async throws -> IssuedSession {
        // Lengths in code points, as the API document's maxLength counts them.
        guard (1...AccountService.Limits.loginMaxLength).contains(login.unicodeScalars.count),
            (1...PasswordPolicy.maxLength).contains(password.unicodeScalars.count)
        else { throw PostboxError.invalid([.init(field: "login", message: "login and password are required (bounded length)")]) }
        let anonymous = Actor.anonymous(ipPrefix: ipPrefix)
        let attempted = attemptedLoginHash(login)
        if let wait = await throttle.retryAfter(login: login, address: ipPrefix, now: now()) {
            metrics.login(.throttled)
            try await audit.record(.by(anonymous, .loginFailed, objectType: "login", objectID: attempted, outcome: .denied))
            throw PostboxError(.tooManyRequests, detail: "too many failed logins; try again later", retryAfter: wait)
        }
        let credentials = try await accounts.users.credentials(login: login)
        let verified = try await accounts.verifyPassword(password, storedHash: credentials?.passwordHash)
        guard verified, let credentials, credentials.status == .active,
            let user = try await accounts.users.user(id: credentials.userID)
        else {
            let locked = await throttle.recordFailure(login: login, address: ipPrefix, now: now())
            metrics.login(.failure)
            if locked { metrics.loginLocked() }
            try await audit.record(.by(anonymous, .loginFailed, objectType: "login", objectID: attempted, outcome: .failure))
            if locked {
                try await audit.record(.by(anonymous, .loginLocked, objectType: "login", objectID: attempted, outcome: .denied))
            }
            throw Self.invalidCredentials
        }
        await throttle.recordSuccess(login: login)

        let tokenBytes = SecureRandom.bytes(32)
        let token = Base64URL.encode(tokenBytes)
        let started = now()
        let absolute = started + TimeInterval(settings.absoluteTimeoutHours * 3600)
        let sessionID = UUID().uuidString.lowercased()
        try await sessions.create(
            id: sessionID, tokenHash: KeyedHash.hash(tokenBytes, key: tokenKey), userID: user.id, expiresAt: absolute,
            ipPrefix: ipPrefix,
            audit: .by(Actor(userID: user.id, role: user.role, ipPrefix: ipPrefix), .login, objectType: "session",
                       objectID: sessionID))
        metrics.login(.success)
        return IssuedSession(
            token: token, csrfToken: csrfToken(forTokenBytes: tokenBytes),
            expiresAt: min(absolute, started + TimeInterval(settings.idleTimeoutMinutes * 60)), user: user)
    }

    /// The principal of a bearer token, or `.unauthorised` for an unknown, expired or disabled session.
    public func authenticate(token: String) async throws -> Principal {
        guard let bytes = Base64URL.decode(token), bytes.count == 32 else { throw Self.sessionInvalid }
        guard let session = try await sessions.session(tokenHash: KeyedHash.hash(bytes, key: tokenKey)) else {
            throw Self.sessionInvalid
        }
        let current = now()
        let idleDeadline = session.lastSeenAt + TimeInterval(settings.idleTimeoutMinutes * 60)
        guard session.status == .active, current < session.expiresAt, current < idleDeadline else {
            try await sessions.delete(id: session.id, audit: nil)
            throw Self.sessionInvalid
        }
        if current.timeIntervalSince(session.lastSeenAt) >= Self.touchInterval {
            try await sessions.touch(id: session.id, at: current)
        }
        return Principal(
            userID: session.userID, login: session.login, role: session.role, organisationID: session.organisationID,
            sessionID: session.id, consentVersion: session.consentVersion, subjectID: session.subjectID)
    }

    /// Ends the principal's session.
    public func logout(_ principal: Principal, ipPrefix: String?) async throws {
        try await sessions.delete(
            id: principal.sessionID,
            audit: .by(principal.actor(ipPrefix: ipPrefix), .logout, objectType: "session", objectID: principal.sessionID))
    }

    /// The CSRF value bound to a token: derived, so nothing extra is stored.
    public func csrfToken(for token: String) -> String? {
        Base64URL.decode(token).map { csrfToken(forTokenBytes: $0) }
    }

    private func csrfToken(forTokenBytes bytes: [UInt8]) -> String {
        Base64URL.encode(KeyedHash.hash(Array("postbox.csrf.v1".utf8) + bytes, key: tokenKey))
    }

    /// A keyed hash of an attempted login, so failed attempts are traceable without storing it.
    func attemptedLoginHash(_ login: String) -> String {
        KeyedHash.hash(Array("postbox.login.v1".utf8) + Array(login.lowercased().utf8), key: indexKey)
            .prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
