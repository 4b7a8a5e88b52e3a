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
        let key = Data(tokenHash)
        if let cached = store.sessionCache.session(tokenHash: key) { return cached }
        let generation = store.sessionCache.generation
        let readAt = ContinuousClock.now
        let session = try await readSession(tokenHash: key)
        if let session { store.sessionCache.store(session, tokenHash: key, readIn: generation, readAt: readAt) }
        return session
    }

    private func readSession(tokenHash: Data) async throws -> StoredSession? {
        try await store.readStatement { db in
            try db.withFirstRow(
                sql: """
                    SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, u.login, u.role, u.status, u.organisation_id,
                           u.subject_id,
                           (SELECT c.version FROM consents c
                             WHERE c.user_id = u.id AND c.withdrawn_at IS NULL ORDER BY c.id DESC LIMIT 1) AS consent
                    FROM sessions s JOIN users u ON u.id = s.user_id
                    WHERE s.token_hash = ?
                    """, [tokenHash]
            ) { row in
                // Columns by position, in the order of the SELECT.
                StoredSession(
                    id: row[0], userID: row[1], login: row[4], role: Role(rawValue: row[5]) ?? .member,
                    status: AccountStatus(rawValue: row[6]) ?? .disabled, organisationID: row[7],
                    consentVersion: row[9], subjectID: row[8], lastSeenAt: row[2], expiresAt: row[3])
            }
        }
    }

    public func touch(id: String, at: Date) async throws {
        try await store.write { db in
            try db.run(sql: "UPDATE sessions SET last_seen_at = ? WHERE id = ?", [at, id])
        }
    }

    public func delete(id: String, audit: AuditDraft?) async throws {
        try await store.write { db in
            try db.run(literal: "DELETE FROM sessions WHERE id = \(id)")
            if let audit { try GRDBAuditLog.append(db, audit, at: now(), key: store.systemKeys.audit) }
        }
    }
}
