import Foundation
import GRDB

/// Accounts. The GRDB implementation is ``GRDBUserRepository``.
public protocol UserRepository: Sendable {
    /// Creates a pending account holding only an activation code hash.
    func createPending(_ new: NewUser, activationCodeHash: String, expiresAt: Date) async throws -> User
    /// The account `id`, or nil.
    func user(id: String) async throws -> User?
    /// The account with `login`, or nil.
    func user(login: String) async throws -> User?
    /// Hashes and status of the account with `login`, or nil.
    func credentials(login: String) async throws -> Credentials?
    /// Sets the password and consumes the activation code if the account is still pending;
    /// returns false if it was not pending (already activated).
    func activate(userID: String, passwordHash: String, at: Date) async throws -> Bool
}

/// ``UserRepository`` over the SQLite store; display names are sealed under a per-user data key.
public struct GRDBUserRepository: UserRepository {
    let store: PostboxStore

    public init(store: PostboxStore) { self.store = store }

    static func displayNameLocation(_ id: String) -> FieldLocation {
        FieldLocation(table: "users", rowID: id, field: "display_name")
    }

    public func createPending(_ new: NewUser, activationCodeHash: String, expiresAt: Date) async throws -> User {
        let id = UUID().uuidString.lowercased()
        let now = Date()
        try await store.writer.write { db in
            let taken = try Bool.fetchOne(
                db, SQLRequest(literal: "SELECT EXISTS (SELECT 1 FROM users WHERE login = \(new.login))"))
            if taken == true {
                throw PostboxError(.conflict, detail: "the login is taken")
            }
            let dataKey = try store.vault.createDataKey(db, purpose: "user")
            let sealedName = Data(dataKey.key.seal(new.displayName, at: Self.displayNameLocation(id)))
            try db.execute(
                literal: """
                    INSERT INTO users (id, login, role, status, organisation_id, data_key_id, display_name,
                                       activation_hash, activation_expires_at, created_at, updated_at)
                    VALUES (\(id), \(new.login), \(new.role.rawValue), \(AccountStatus.pending.rawValue),
                            \(new.organisationID), \(dataKey.id), \(sealedName), \(activationCodeHash),
                            \(expiresAt), \(now), \(now))
                    """)
        }
        return User(
            id: id, login: new.login, role: new.role, status: .pending, organisationID: new.organisationID,
            displayName: new.displayName, createdAt: now)
    }

    public func user(id: String) async throws -> User? {
        try await store.writer.read { db in
            try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM users WHERE id = \(id)")).map { try decode($0, db) }
        }
    }

    public func user(login: String) async throws -> User? {
        try await store.writer.read { db in
            try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM users WHERE login = \(login)")).map {
                try decode($0, db)
            }
        }
    }

    public func credentials(login: String) async throws -> Credentials? {
        try await store.writer.read { db in
            let request = SQLRequest<Row>(
                literal: """
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

    public func activate(userID: String, passwordHash: String, at date: Date) async throws -> Bool {
        try await store.writer.write { db in
            try db.execute(
                literal: """
                    UPDATE users SET password_hash = \(passwordHash), activation_hash = NULL,
                                     activation_expires_at = NULL, status = \(AccountStatus.active.rawValue),
                                     updated_at = \(date)
                    WHERE id = \(userID) AND status = \(AccountStatus.pending.rawValue)
                    """)
            return db.changesCount == 1
        }
    }

    private func decode(_ row: Row, _ db: Database) throws -> User {
        let id: String = row["id"]
        let key = try store.vault.dataKey(db, id: row["data_key_id"])
        let name = try key.openText([UInt8](row["display_name"] as Data), at: Self.displayNameLocation(id))
        return User(
            id: id, login: row["login"], role: Role(rawValue: row["role"]) ?? .member,
            status: AccountStatus(rawValue: row["status"]) ?? .disabled, organisationID: row["organisation_id"],
            displayName: name, createdAt: row["created_at"])
    }
}
