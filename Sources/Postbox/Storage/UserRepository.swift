import Foundation
import GRDB

/// Accounts and their consents. The GRDB implementation is ``GRDBUserRepository``.
///
/// Every mutation takes the audit event that records it and commits both together.
public protocol UserRepository: Sendable {
    /// Creates a pending account holding only an activation code hash.
    func createPending(_ new: NewUser, activationCodeHash: String, expiresAt: Date, audit: AuditDraft) async throws
        -> User
    /// The account `id`, or nil.
    func user(id: String) async throws -> User?
    /// The account with `login`, or nil.
    func user(login: String) async throws -> User?
    /// Every account, by login.
    func all() async throws -> [User]
    /// Hashes and status of the account with `login`, or nil.
    func credentials(login: String) async throws -> Credentials?
    /// Sets the password and consumes the activation code if the account is still pending;
    /// returns false if it was not pending (already activated).
    func activate(userID: String, passwordHash: String, audit: AuditDraft) async throws -> Bool
    /// Changes status and/or role; disabling ends every session of the account.
    func update(userID: String, status: AccountStatus?, role: Role?, audit: AuditDraft) async throws -> User
    /// Records acceptance of terms `version`.
    func acceptConsent(userID: String, version: String, ipPrefix: String?, audit: AuditDraft) async throws
    /// Withdraws consent: the account is disabled and its sessions end.
    func withdrawConsent(userID: String, audit: AuditDraft) async throws
}

/// ``UserRepository`` over the SQLite store; display names and member numbers are sealed under
/// a per-user data key, member numbers are also kept as a blind index.
public struct GRDBUserRepository: UserRepository {
    let store: PostboxStore
    let now: Now

    public init(store: PostboxStore, now: @escaping Now = systemNow) {
        self.store = store
        self.now = now
    }

    static func location(_ id: String, _ field: String) -> FieldLocation {
        FieldLocation(table: "users", rowID: id, field: field)
    }

    private func append(_ db: Database, _ audit: AuditDraft) throws {
        try GRDBAuditLog.append(db, audit, at: now(), key: store.systemKeys.audit)
    }

    public func createPending(_ new: NewUser, activationCodeHash: String, expiresAt: Date, audit: AuditDraft) async throws
        -> User
    {
        let id = UUID().uuidString.lowercased()
        let created = now()
        let memberIndex = new.memberNumber.map {
            Data(store.systemKeys.blindIndexer.index(kind: "member_number", normalisedValue: $0))
        }
        try await store.write { db in
            let taken = try Bool.fetchOne(
                db, SQLRequest(cachedLiteral: "SELECT EXISTS (SELECT 1 FROM users WHERE login = \(new.login))"))
            if taken == true { throw PostboxError(.conflict, detail: "the login is taken") }
            if let org = new.organisationID {
                let exists = try Bool.fetchOne(
                    db, SQLRequest(cachedLiteral: "SELECT EXISTS (SELECT 1 FROM organisations WHERE id = \(org))"))
                if exists != true {
                    throw PostboxError.invalid([.init(field: "organisationId", message: "no such organisation")])
                }
            }
            // A member is a data subject: link the account to the subject of its member number.
            var subjectID: String?
            if new.role == .member {
                var identifiers = [SubjectIdentifier(.login, new.login.lowercased())]
                if let member = new.memberNumber { identifiers.insert(SubjectIdentifier(.memberNumber, member, strong: true), at: 0) }
                subjectID = try SubjectIndex.resolve(db, identifiers, indexer: store.systemKeys.blindIndexer, now: created)
            }
            let dataKey = try store.vault.createDataKey(db, purpose: "user")
            let sealedName = Data(dataKey.key.seal(new.displayName, at: Self.location(id, "display_name")))
            let sealedMember = new.memberNumber.map { Data(dataKey.key.seal($0, at: Self.location(id, "member_number"))) }
            try db.run(
                literal: """
                    INSERT INTO users (id, login, role, status, organisation_id, subject_id, data_key_id, display_name,
                                       member_number, member_number_index, activation_hash, activation_expires_at,
                                       created_at, updated_at)
                    VALUES (\(id), \(new.login), \(new.role.rawValue), \(AccountStatus.pending.rawValue),
                            \(new.organisationID), \(subjectID), \(dataKey.id), \(sealedName), \(sealedMember),
                            \(memberIndex), \(activationCodeHash), \(expiresAt), \(created), \(created))
                    """)
            var record = audit
            record.objectID = id
            try append(db, record)
        }
        return User(
            id: id, login: new.login, role: new.role, status: .pending, organisationID: new.organisationID,
            displayName: new.displayName, memberNumber: new.memberNumber, createdAt: created)
    }

    public func user(id: String) async throws -> User? {
        try await store.writer.read { db in
            try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT * FROM users WHERE id = \(id)")).map { try decode($0, db) }
        }
    }

    public func user(login: String) async throws -> User? {
        try await store.writer.read { db in
            try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT * FROM users WHERE login = \(login)")).map {
                try decode($0, db)
            }
        }
    }

    public func all() async throws -> [User] {
        try await store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY login").map { try decode($0, db) }
        }
    }

    public func credentials(login: String) async throws -> Credentials? {
        try await store.writer.read { db in
            let request = SQLRequest<Row>(
                cachedLiteral: """
                    SELECT id, status, password_hash, activation_hash, activation_expires_at
                    FROM users WHERE login = \(login)
                    """)
            return try Row.fetchOne(db, request).map { row in
                Credentials(
                    userID: row["id"], status: AccountStatus(rawValue: row["status"]) ?? .disabled,
                    passwordHash: row["password_hash"], activationHash: row["activation_hash"],
                    activationExpiresAt: row["activation_expires_at"])
            }
        }
    }

    public func activate(userID: String, passwordHash: String, audit: AuditDraft) async throws -> Bool {
        try await store.write { db in
            try db.run(
                literal: """
                    UPDATE users SET password_hash = \(passwordHash), activation_hash = NULL,
                                     activation_expires_at = NULL, status = \(AccountStatus.active.rawValue),
                                     updated_at = \(now())
                    WHERE id = \(userID) AND status = \(AccountStatus.pending.rawValue)
                    """)
            guard db.changesCount == 1 else { return false }
            try append(db, audit)
            return true
        }
    }

    public func update(userID: String, status: AccountStatus?, role: Role?, audit: AuditDraft) async throws -> User {
        try await store.write { db in
            guard let row = try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT * FROM users WHERE id = \(userID)")) else {
                throw PostboxError(.notFound, detail: "no such user")
            }
            let current = AccountStatus(rawValue: row["status"]) ?? .disabled
            var newStatus = status ?? current
            // Re-enabling an account that never set a password returns it to pending.
            if newStatus == .active, (row["password_hash"] as String?) == nil { newStatus = .pending }
            if current == .erased { throw PostboxError(.conflict, detail: "the account was erased") }
            if status == .erased || (status == .pending && current != .pending) {
                throw PostboxError.invalid([.init(field: "status", message: "must be active or disabled")])
            }
            try db.run(
                literal: """
                    UPDATE users SET status = \(newStatus.rawValue), role = \(role?.rawValue ?? (row["role"] as String)),
                                     updated_at = \(now())
                    WHERE id = \(userID)
                    """)
            if newStatus == .disabled {
                try db.run(literal: "DELETE FROM sessions WHERE user_id = \(userID)")
            }
            try append(db, audit)
            guard let updated = try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT * FROM users WHERE id = \(userID)"))
            else { throw PostboxError(.notFound, detail: "no such user") }
            return try decode(updated, db)
        }
    }

    public func acceptConsent(userID: String, version: String, ipPrefix: String?, audit: AuditDraft) async throws {
        try await store.write { db in
            try db.run(
                literal: """
                    UPDATE consents SET withdrawn_at = \(now()) WHERE user_id = \(userID) AND withdrawn_at IS NULL
                    """)
            try db.run(
                literal: """
                    INSERT INTO consents (user_id, version, accepted_at, ip_prefix)
                    VALUES (\(userID), \(version), \(now()), \(ipPrefix))
                    """)
            try append(db, audit)
        }
    }

    public func withdrawConsent(userID: String, audit: AuditDraft) async throws {
        try await store.write { db in
            try db.run(
                literal: "UPDATE consents SET withdrawn_at = \(now()) WHERE user_id = \(userID) AND withdrawn_at IS NULL")
            try db.run(
                literal: """
                    UPDATE users SET status = \(AccountStatus.disabled.rawValue), updated_at = \(now())
                    WHERE id = \(userID)
                    """)
            try db.run(literal: "DELETE FROM sessions WHERE user_id = \(userID)")
            try append(db, audit)
        }
    }

    private func decode(_ row: Row, _ db: Database) throws -> User {
        let id: String = row["id"]
        let key = try store.vault.dataKey(db, id: row["data_key_id"])
        let name = try key.openText([UInt8](row["display_name"] as Data), at: Self.location(id, "display_name"))
        let member = try (row["member_number"] as Data?).map {
            try key.openText([UInt8]($0), at: Self.location(id, "member_number"))
        }
        return User(
            id: id, login: row["login"], role: Role(rawValue: row["role"]) ?? .member,
            status: AccountStatus(rawValue: row["status"]) ?? .disabled, organisationID: row["organisation_id"],
            displayName: name, memberNumber: member, createdAt: row["created_at"])
    }
}

/// ``OrganisationRepository`` over the SQLite store. Organisation names are not personal data
/// and are stored in clear: the export shows them as the origin of entries.
public struct GRDBOrganisationRepository: OrganisationRepository {
    let store: PostboxStore
    let now: Now

    public init(store: PostboxStore, now: @escaping Now = systemNow) {
        self.store = store
        self.now = now
    }

    public func create(name: String, partnerNumber: String, audit: AuditDraft) async throws -> Organisation {
        let organisation = Organisation(
            id: UUID().uuidString.lowercased(), name: name, partnerNumber: partnerNumber, createdAt: now())
        try await store.write { db in
            let taken = try Bool.fetchOne(
                db,
                SQLRequest(cachedLiteral: "SELECT EXISTS (SELECT 1 FROM organisations WHERE partner_number = \(partnerNumber))"))
            if taken == true { throw PostboxError(.conflict, detail: "the partner number is taken") }
            try db.run(
                literal: """
                    INSERT INTO organisations (id, name, partner_number, created_at)
                    VALUES (\(organisation.id), \(name), \(partnerNumber), \(organisation.createdAt))
                    """)
            var record = audit
            record.objectID = organisation.id
            try GRDBAuditLog.append(db, record, at: now(), key: store.systemKeys.audit)
        }
        return organisation
    }

    public func organisation(id: String) async throws -> Organisation? {
        try await store.writer.read { db in
            try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT * FROM organisations WHERE id = \(id)")).map(Self.decode)
        }
    }

    public func all() async throws -> [Organisation] {
        try await store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM organisations ORDER BY name").map(Self.decode)
        }
    }

    static func decode(_ row: Row) -> Organisation {
        Organisation(id: row["id"], name: row["name"], partnerNumber: row["partner_number"], createdAt: row["created_at"])
    }
}
