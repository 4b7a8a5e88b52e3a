import Foundation
import GRDB

/// A stored session joined with what authorization needs of its account.
public struct StoredSession: Sendable, Equatable {
    public let id: String
    public let userID: String
    public let login: String
    public let role: Role
    public let status: AccountStatus
    public let organisationID: String?
    public let consentVersion: String?
    public let subjectID: String?
    public let lastSeenAt: Date
    public let expiresAt: Date
}

/// Sessions, found by the keyed hash of their token (the token itself is never stored).
public protocol SessionRepository: Sendable {
    func create(id: String, tokenHash: [UInt8], userID: String, expiresAt: Date, ipPrefix: String?, audit: AuditDraft)
        async throws
    func session(tokenHash: [UInt8]) async throws -> StoredSession?
    func touch(id: String, at: Date) async throws
    func delete(id: String, audit: AuditDraft?) async throws
}

/// ``SessionRepository`` over the SQLite store.
public struct GRDBSessionRepository: SessionRepository {
    let store: PostboxStore
    let now: Now

    public init(store: PostboxStore, now: @escaping Now = systemNow) {
        self.store = store
        self.now = now
    }

    public func create(
        id: String, tokenHash: [UInt8], userID: String, expiresAt: Date, ipPrefix: String?, audit: AuditDraft
    ) async throws {
        let at = now()
        try await store.write { db in
            try db.run(
                literal: """
                    INSERT INTO sessions (id, token_hash, user_id, created_at, last_seen_at, expires_at, ip_prefix)
                    VALUES (\(id), \(Data(tokenHash)), \(userID), \(at), \(at), \(expiresAt), \(ipPrefix))
                    """)
            try GRDBAuditLog.append(db, audit, at: at, key: store.systemKeys.audit)
        }
    }

    public func session(tokenHash: [UInt8]) async throws -> StoredSession? {
        try await store.readStatement { db in
            let request = SQLRequest<Row>(
                cachedLiteral: """
                    SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, u.login, u.role, u.status, u.organisation_id,
                           u.subject_id,
                           (SELECT c.version FROM consents c
                             WHERE c.user_id = u.id AND c.withdrawn_at IS NULL ORDER BY c.id DESC LIMIT 1) AS consent
                    FROM sessions s JOIN users u ON u.id = s.user_id
                    WHERE s.token_hash = \(Data(tokenHash))
                    """)
            return try Row.fetchOne(db, request).map { row in
                StoredSession(
                    id: row["id"], userID: row["user_id"], login: row["login"],
                    role: Role(rawValue: row["role"]) ?? .member,
                    status: AccountStatus(rawValue: row["status"]) ?? .disabled, organisationID: row["organisation_id"],
                    consentVersion: row["consent"], subjectID: row["subject_id"], lastSeenAt: row["last_seen_at"], expiresAt: row["expires_at"])
            }
        }
    }

    public func touch(id: String, at: Date) async throws {
        try await store.write { db in
            try db.run(literal: "UPDATE sessions SET last_seen_at = \(at) WHERE id = \(id)")
        }
    }

    public func delete(id: String, audit: AuditDraft?) async throws {
        try await store.write { db in
            try db.run(literal: "DELETE FROM sessions WHERE id = \(id)")
            if let audit { try GRDBAuditLog.append(db, audit, at: now(), key: store.systemKeys.audit) }
        }
    }
}
