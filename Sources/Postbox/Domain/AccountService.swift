import Foundation

/// Accounts: creation by staff, activation with the one-time code ("PIN by letter"),
/// status and role changes, and consent to the postbox terms.
public struct AccountService: Sendable {
    let users: any UserRepository
    let organisations: any OrganisationRepository
    let hasher: PasswordHasher
    let passwordPolicy: PasswordPolicy
    let activationValidity: TimeInterval
    let now: Now
    /// Verified against when there is no stored hash, so every check takes the same time.
    let dummyHash: String

    /// Limits on what a person may type.
    public enum Limits {
        public static let loginMaxLength = 64
        public static let displayNameMaxLength = 200
    }

    public init(
        users: any UserRepository, organisations: any OrganisationRepository, hasher: PasswordHasher,
        passwordPolicy: PasswordPolicy = .standard, activationValidity: TimeInterval = 14 * 86_400,
        now: @escaping Now = systemNow
    ) throws {
        self.users = users
        self.organisations = organisations
        self.hasher = hasher
        self.passwordPolicy = passwordPolicy
        self.activationValidity = activationValidity
        self.now = now
        self.dummyHash = try hasher.hashNow(ActivationCode.generate())
    }

    // MARK: - Creation and activation

    /// Creates a pending account and returns it with its activation code (shown once, stored hashed).
    public func createUser(_ new: NewUser, by actor: Actor?) async throws -> (user: User, activationCode: String) {
        var new = new
        let displayName = FreeText.clean(new.displayName, multiline: false, maxLength: Limits.displayNameMaxLength)
        new.displayName = displayName ?? ""
        new.memberNumber = new.memberNumber.map(Identifier.memberNumber)
        var issues: [PostboxError.FieldIssue] = []
        if !Self.isValidLogin(new.login) {
            issues.append(.init(field: "login", message: "1-64 characters: letters, digits, '.', '_', '-', '@'"))
        }
        if new.displayName.isEmpty {
            issues.append(.init(field: "displayName", message: "1-\(Limits.displayNameMaxLength) printable characters"))
        }
        if new.role == .broker, new.organisationID == nil {
            issues.append(.init(field: "organisationId", message: "a broker belongs to an organisation"))
        }
        if let member = new.memberNumber {
            if new.role != .member {
                issues.append(.init(field: "memberNumber", message: "only members have a member number"))
            } else if !Identifier.isValidMemberNumber(member) {
                issues.append(.init(field: "memberNumber", message: "1-32 letters and digits"))
            }
        }
        guard issues.isEmpty else { throw PostboxError.invalid(issues) }
        let code = ActivationCode.generate()
        let hash = try await hasher.hash(ActivationCode.normalise(code))
        let user = try await users.createPending(
            new, activationCodeHash: hash, expiresAt: now() + activationValidity,
            audit: .by(actor, .userCreated, objectType: "user"))
        return (user, code)
    }

    /// Sets the password of a pending account and consumes its activation code.
    ///
    /// - Throws: ``PostboxError`` `.activationFailed` for an unknown login or wrong code (same
    ///   answer, same work), `.gone` for an expired code, `.conflict` if already activated,
    ///   `.validation` for a weak password.
    public func activate(login: String, activationCode: String, password: String, ipPrefix: String?) async throws
        -> User
    {
        var issues: [PostboxError.FieldIssue] = []
        if !Self.isValidLogin(login) { issues.append(.init(field: "login", message: "invalid login")) }
        if activationCode.isEmpty || activationCode.unicodeScalars.count > 64 {
            issues.append(.init(field: "activationCode", message: "invalid activation code"))
        }
        issues += passwordPolicy.issues(password, login: login)
        guard issues.isEmpty else { throw PostboxError.invalid(issues) }

        let credentials = try await users.credentials(login: login)
        let code = ActivationCode.normalise(activationCode)
        guard let credentials, let stored = credentials.activationHash else {
            _ = try await hasher.verify(code, against: dummyHash)
            if let credentials, credentials.status != .pending {
                throw PostboxError(.conflict, detail: "the account is already activated")
            }
            throw Self.activationFailed
        }
        guard try await hasher.verify(code, against: stored) else { throw Self.activationFailed }
        if let expiry = credentials.activationExpiresAt, expiry < now() {
            throw PostboxError(.gone, detail: "the activation code has expired; ask for a new one")
        }
        guard let user = try await users.user(id: credentials.userID) else { throw Self.activationFailed }
        let activated = try await users.activate(
            userID: user.id, passwordHash: try await hasher.hash(password),
            audit: .by(Actor(userID: user.id, role: user.role, ipPrefix: ipPrefix), .activation, objectType: "user",
                       objectID: user.id))
        guard activated else { throw PostboxError(.conflict, detail: "the account is already activated") }
        return try await users.user(id: user.id) ?? user
    }

    static let activationFailed = PostboxError(.activationFailed, detail: "login or activation code is not valid")

    /// Checks `password` against `storedHash`, or against a dummy hash when there is none.
    func verifyPassword(_ password: String, storedHash: String?) async throws -> Bool {
        guard let storedHash else {
            _ = try await hasher.verify(password, against: dummyHash)
            return false
        }
        return try await hasher.verify(password, against: storedHash)
    }

    // MARK: - Administration

    /// The account `id`, or nil.
    public func user(id: String) async throws -> User? { try await users.user(id: id) }

    /// Every account, by login.
    public func listUsers() async throws -> [User] {
        try await users.all()
    }

    /// Disables, re-enables or changes the role of an account. Admins cannot lock themselves out.
    public func updateUser(id: String, status: AccountStatus?, role: Role?, by principal: Principal, ipPrefix: String?)
        async throws -> User
    {
        if id == principal.userID, status == .disabled || (role != nil && role != principal.role) {
            throw PostboxError(.conflict, detail: "you cannot disable your own account or change your own role")
        }
        if status == .pending {
            throw PostboxError.invalid([.init(field: "status", message: "must be active or disabled")])
        }
        return try await users.update(
            userID: id, status: status, role: role,
            audit: .by(principal.actor(ipPrefix: ipPrefix), .userUpdated, objectType: "user", objectID: id))
    }

    // MARK: - Consent

    /// Records that the principal accepted terms `version`, which must be the current one.
    public func acceptConsent(version: String, current: String, by principal: Principal, ipPrefix: String?) async throws {
        guard version == current else {
            throw PostboxError.invalid([.init(field: "version", message: "the current terms version is \(current)")])
        }
        try await users.acceptConsent(
            userID: principal.userID, version: version, ipPrefix: ipPrefix,
            audit: .by(principal.actor(ipPrefix: ipPrefix), .consentAccepted, objectType: "consent", objectID: version))
    }

    /// Withdraws consent: the account is disabled and its sessions end.
    public func withdrawConsent(by principal: Principal, ipPrefix: String?) async throws {
        try await users.withdrawConsent(
            userID: principal.userID,
            audit: .by(principal.actor(ipPrefix: ipPrefix), .consentWithdrawn, objectType: "user", objectID: principal.userID))
    }

    // MARK: - Organisations

    /// Registers a partner organisation.
    public func createOrganisation(name: String, partnerNumber: String, by principal: Principal, ipPrefix: String?)
        async throws -> Organisation
    {
        let cleaned = FreeText.clean(name, multiline: false, maxLength: 200)
        let partner = partnerNumber.trimmingCharacters(in: .whitespacesAndNewlines)
        var issues: [PostboxError.FieldIssue] = []
        if cleaned?.isEmpty ?? true {
            issues.append(.init(field: "name", message: "1-200 printable characters on one line"))
        }
        if partner.isEmpty || partner.count > 32 || !partner.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
            issues.append(.init(field: "partnerNumber", message: "1-32 letters, digits or '-'"))
        }
        guard issues.isEmpty else { throw PostboxError.invalid(issues) }
        return try await organisations.create(
            name: cleaned ?? "", partnerNumber: partner,
            audit: .by(principal.actor(ipPrefix: ipPrefix), .organisationCreated, objectType: "organisation"))
    }

    /// Every organisation.
    public func listOrganisations() async throws -> [Organisation] { try await organisations.all() }

    /// Logins are short and plain so they are safe in every context they appear.
    public static func isValidLogin(_ login: String) -> Bool {
        (1...Limits.loginMaxLength).contains(login.count)
            && login.unicodeScalars.allSatisfy {
                ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || "._-@".unicodeScalars.contains($0)
            }
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
