import Foundation

/// Creating accounts and activating them with the one-time code ("PIN by letter").
public struct AccountService: Sendable {
    let users: any UserRepository
    let hasher: PasswordHasher
    let activationValidity: TimeInterval
    let now: @Sendable () -> Date
    /// Verified against when a login is unknown, so both cases take the same time.
    let dummyHash: String

    /// Limits on what a person may type.
    public enum Limits {
        public static let loginMaxLength = 64
        public static let passwordMinLength = 12
        public static let passwordMaxLength = 256
        public static let displayNameMaxLength = 200
    }

    public init(
        users: any UserRepository, hasher: PasswordHasher, activationValidity: TimeInterval = 14 * 86_400,
        now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.users = users
        self.hasher = hasher
        self.activationValidity = activationValidity
        self.now = now
        self.dummyHash = try hasher.hash(ActivationCode.generate())
    }

    /// Creates a pending account and returns it with its activation code (shown once, stored hashed).
    public func createUser(_ new: NewUser) async throws -> (user: User, activationCode: String) {
        var issues: [PostboxError.FieldIssue] = []
        if !Self.isValidLogin(new.login) {
            issues.append(.init(field: "login", message: "1-64 characters: letters, digits, '.', '_', '-', '@'"))
        }
        if new.displayName.isEmpty || new.displayName.count > Limits.displayNameMaxLength {
            issues.append(.init(field: "displayName", message: "1-\(Limits.displayNameMaxLength) characters"))
        }
        guard issues.isEmpty else { throw PostboxError.invalid(issues) }
        let code = ActivationCode.generate()
        let hash = try hasher.hash(ActivationCode.normalise(code))
        let user = try await users.createPending(new, activationCodeHash: hash, expiresAt: now() + activationValidity)
        return (user, code)
    }

    /// Sets the password of a pending account and consumes its activation code.
    ///
    /// - Throws: ``PostboxError`` `.activationFailed` for an unknown login or wrong code (same
    ///   answer, same work), `.gone` for an expired code, `.conflict` if already activated,
    ///   `.validation` for a weak password.
    public func activate(login: String, activationCode: String, password: String) async throws -> User {
        var issues: [PostboxError.FieldIssue] = []
        if !Self.isValidLogin(login) { issues.append(.init(field: "login", message: "invalid login")) }
        if activationCode.isEmpty || activationCode.count > 64 {
            issues.append(.init(field: "activationCode", message: "invalid activation code"))
        }
        issues += Self.passwordIssues(password, login: login)
        guard issues.isEmpty else { throw PostboxError.invalid(issues) }

        let credentials = try await users.credentials(login: login)
        let code = ActivationCode.normalise(activationCode)
        guard let credentials, let stored = credentials.activationHash else {
            _ = hasher.verify(code, against: dummyHash)
            if let credentials, credentials.status != .pending {
                throw PostboxError(.conflict, detail: "the account is already activated")
            }
            throw Self.activationFailed
        }
        guard hasher.verify(code, against: stored) else { throw Self.activationFailed }
        if let expiry = credentials.activationExpiresAt, expiry < now() {
            throw PostboxError(.gone, detail: "the activation code has expired; ask for a new one")
        }
        let passwordHash = try hasher.hash(password)
        guard try await users.activate(userID: credentials.userID, passwordHash: passwordHash, at: now()) else {
            throw PostboxError(.conflict, detail: "the account is already activated")
        }
        guard let user = try await users.user(id: credentials.userID) else { throw Self.activationFailed }
        return user
    }

    static let activationFailed = PostboxError(.activationFailed, detail: "login or activation code is not valid")

    /// Logins are short and plain so they are safe in every context they appear.
    public static func isValidLogin(_ login: String) -> Bool {
        (1...Limits.loginMaxLength).contains(login.count)
            && login.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-@".unicodeScalars.contains($0) }
    }

    /// What is wrong with `password` for `login`, if anything.
    public static func passwordIssues(_ password: String, login: String) -> [PostboxError.FieldIssue] {
        if password.count < Limits.passwordMinLength {
            return [.init(field: "password", message: "at least \(Limits.passwordMinLength) characters")]
        }
        if password.count > Limits.passwordMaxLength {
            return [.init(field: "password", message: "at most \(Limits.passwordMaxLength) characters")]
        }
        if password.lowercased() == login.lowercased() {
            return [.init(field: "password", message: "must not be the login")]
        }
        return []
    }
}

/// What login and activation need of an account; never leaves the core.
public struct Credentials: Sendable {
    public let userID: String
    public let status: AccountStatus
    public let passwordHash: String?
    public let activationHash: String?
    public let activationExpiresAt: Date?

    public init(
        userID: String, status: AccountStatus, passwordHash: String?, activationHash: String?, activationExpiresAt: Date?
    ) {
        self.userID = userID
        self.status = status
        self.passwordHash = passwordHash
        self.activationHash = activationHash
        self.activationExpiresAt = activationExpiresAt
    }
}
