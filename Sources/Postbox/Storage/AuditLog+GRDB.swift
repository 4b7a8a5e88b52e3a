import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// ``AuditLog`` in the `audit_events` table.
///
/// Each event stores `hash = BLAKE2b-256_k(prev_hash || canonical(event))` with the database's
/// audit key, so editing, inserting or deleting an event inside the chain is detected by
/// ``verify()``; without the master key nobody can recompute a consistent chain.
public struct GRDBAuditLog: AuditLog {
    let store: PostboxStore
    let now: Now

    public init(store: PostboxStore, now: @escaping Now = systemNow) {
        self.store = store
        self.now = now
    }

    static let genesis = [UInt8](repeating: 0, count: KeyedHash.outputBytes)

    public func record(_ draft: AuditDraft) async throws {
        let at = now()
        try await store.write { db in try Self.append(db, draft, at: at, key: store.systemKeys.audit) }
    }

    /// Appends `draft` inside the caller's transaction, so an action and its record commit together.
    static func append(_ db: Database, _ draft: AuditDraft, at: Date, key: SecretKey) throws {
        let last = try db.withFirstRow(sql: "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1", []) {
            row -> (seq: Int64, hash: [UInt8]) in (row[0], [UInt8](row[1] as Data))
        }
        let seq = (last?.seq ?? 0) + 1
        let previous = last?.hash ?? genesis
        let time = StoredTimestamp.text(at)
        let fields = Fields(
            seq: seq, at: time, userID: draft.userID, role: draft.role?.rawValue, action: draft.action.rawValue,
            objectType: draft.objectType, objectID: draft.objectID, outcome: draft.outcome.rawValue,
            ipPrefix: draft.ipPrefix)
        let hash = KeyedHash.hash(previous + fields.canonical, key: key)
        try db.run(
            sql: """
                INSERT INTO audit_events (seq, at, user_id, role, action, object_type, object_id, outcome, ip_prefix,
                                          prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            [seq, time, fields.userID, fields.role, fields.action, fields.objectType, fields.objectID, fields.outcome,
             fields.ipPrefix, Data(previous), Data(hash)])
    }

    /// The hashed fields of one event.
    struct Fields {
        let seq: Int64
        let at: String
        let userID: String?
        let role: String?
        let action: String
        let objectType: String?
        let objectID: String?
        let outcome: String
        let ipPrefix: String?

        init(
            seq: Int64, at: String, userID: String?, role: String?, action: String, objectType: String?,
            objectID: String?, outcome: String, ipPrefix: String?
        ) {
            self.seq = seq
            self.at = at
            self.userID = userID
            self.role = role
            self.action = action
            self.objectType = objectType
            self.objectID = objectID
            self.outcome = outcome
            self.ipPrefix = ipPrefix
        }

        init(row: Row) {
            self.init(
                seq: row["seq"], at: row["at"], userID: row["user_id"], role: row["role"], action: row["action"],
                objectType: row["object_type"], objectID: row["object_id"], outcome: row["outcome"],
                ipPrefix: row["ip_prefix"])
        }

        /// Length-prefixed parts; an absent value is encoded differently from an empty one.
        var canonical: [UInt8] {
            let optional = { (value: String?) in value.map { "v:" + $0 } ?? "-" }
            return AssociatedData(
                domain: "postbox.audit.v1", String(seq), at, optional(userID), optional(role), action,
                optional(objectType), optional(objectID), outcome, optional(ipPrefix)
            ).bytes
        }
    }

    public func verify(anchors: [AuditAnchor]) async throws -> AuditVerification {
        let key = store.systemKeys.audit
        return try await store.writer.read { db in
            var anchored = Dictionary(anchors.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
            var expectedPrevious = Self.genesis
            var expectedSeq: Int64 = 1
            var checked: Int64 = 0
            // After a purge the chain starts at a checkpoint that names the last purged hash.
            if let first = try Row.fetchOne(db, sql: "SELECT seq, prev_hash FROM audit_events ORDER BY seq LIMIT 1"),
                (first["seq"] as Int64) != 1
            {
                let seq: Int64 = first["seq"]
                guard
                    let checkpoint = try Row.fetchOne(
                        db, SQLRequest(cachedLiteral: "SELECT * FROM audit_checkpoints WHERE next_seq = \(seq)"))
                else {
                    return AuditVerification(
                        ok: false, events: 0, firstBrokenSeq: seq, reason: "events before \(seq) are missing and no checkpoint covers them")
                }
                let previous = [UInt8](checkpoint["prev_hash"] as Data)
                let mac = [UInt8](checkpoint["mac"] as Data)
                guard constantTimeEquals(mac, Self.checkpointMAC(nextSeq: seq, previous: previous, key: key)) else {
                    return AuditVerification(ok: false, events: 0, firstBrokenSeq: seq, reason: "the checkpoint was altered")
                }
                expectedPrevious = previous
                expectedSeq = seq
            }
            let cursor = try Row.fetchCursor(db, SQLRequest(cachedLiteral: "SELECT * FROM audit_events WHERE seq >= \(expectedSeq) ORDER BY seq"))
            while let row = try cursor.next() {
                let fields = Fields(row: row)
                let broken = { (reason: String) in
                    AuditVerification(ok: false, events: checked, firstBrokenSeq: fields.seq, reason: reason)
                }
                if fields.seq != expectedSeq { return broken("sequence gap: expected \(expectedSeq)") }
                let previous = [UInt8](row["prev_hash"] as Data)
                if previous != expectedPrevious { return broken("previous hash does not match the preceding event") }
                let hash = [UInt8](row["hash"] as Data)
                if !constantTimeEquals(hash, KeyedHash.hash(previous + fields.canonical, key: key)) {
                    return broken("event was altered")
                }
                if let anchor = anchored.removeValue(forKey: fields.seq), anchor != AuditAnchor(seq: fields.seq, hash: hash) {
                    return broken("the event differs from its anchor: the chain was rewritten from here")
                }
                expectedPrevious = hash
                expectedSeq += 1
                checked += 1
            }
            // Anchors of events that retention purged are covered by the checkpoint verified above.
            if let missing = anchored.keys.filter({ $0 >= expectedSeq }).min() {
                return AuditVerification(
                    ok: false, events: checked, firstBrokenSeq: expectedSeq,
                    reason: "the log ends at event \(expectedSeq - 1) but event \(missing) was anchored: newer events were removed")
            }
            return AuditVerification(
                ok: true, events: checked, firstBrokenSeq: nil, reason: nil,
                head: checked > 0 ? AuditAnchor(seq: expectedSeq - 1, hash: expectedPrevious) : nil)
        }
    }

    public func head() async throws -> AuditAnchor? {
        try await store.readStatement { db in
            try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").map {
                AuditAnchor(seq: $0["seq"], hash: [UInt8]($0["hash"] as Data))
            }
        }
    }

    /// Authenticates a checkpoint, so that it cannot be moved or forged without the audit key.
    static func checkpointMAC(nextSeq: Int64, previous: [UInt8], key: SecretKey) -> [UInt8] {
        KeyedHash.hash(AssociatedData(domain: "postbox.audit.checkpoint.v1", String(nextSeq)).bytes + previous, key: key)
    }

    /// Deletes events older than `before` (never the newest one, which the next event links to)
    /// and records the checkpoint the remaining chain starts from; returns how many went.
    static func purge(_ db: Database, before: Date, at: Date, key: SecretKey) throws -> Int {
        let newest = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM audit_events") ?? 0
        try db.run(literal: "DELETE FROM audit_events WHERE at < \(StoredTimestamp.text(before)) AND seq < \(newest)")
        let purged = db.changesCount
        guard purged > 0,
            let first = try Row.fetchOne(db, sql: "SELECT seq, prev_hash FROM audit_events ORDER BY seq LIMIT 1")
        else { return purged }
        let seq: Int64 = first["seq"]
        let previous = [UInt8](first["prev_hash"] as Data)
        let earlier = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(purged), 0) FROM audit_checkpoints") ?? 0
        try db.execute(sql: "DELETE FROM audit_checkpoints")
        try db.run(
            literal: """
                INSERT INTO audit_checkpoints (next_seq, prev_hash, purged, at, mac)
                VALUES (\(seq), \(Data(previous)), \(earlier + purged), \(at),
                        \(Data(checkpointMAC(nextSeq: seq, previous: previous, key: key))))
                """)
        return purged
    }

    public func events(_ query: AuditQuery) async throws -> [AuditEvent] {
        try await store.writer.read { db in
            var sql: SQL = "SELECT * FROM audit_events WHERE 1 = 1"
            if let user = query.userID { sql += " AND user_id = \(user)" }
            if let action = query.action { sql += " AND action = \(action)" }
            if let from = query.from { sql += " AND at >= \(StoredTimestamp.text(from))" }
            if let to = query.to { sql += " AND at < \(StoredTimestamp.text(to))" }
            sql += " ORDER BY seq DESC LIMIT \(max(1, min(query.limit, 1000)))"
            return try Row.fetchAll(db, SQLRequest(cachedLiteral: sql)).map { row in
                AuditEvent(
                    seq: row["seq"], at: row["at"], userID: row["user_id"], role: row["role"], action: row["action"],
                    objectType: row["object_type"], objectID: row["object_id"],
                    outcome: AuditOutcome(rawValue: row["outcome"]) ?? .failure, ipPrefix: row["ip_prefix"])
            }
        }
    }

    public func lastTransactions(of userIDs: [String]) async throws -> [String: (action: String, at: Date)] {
        guard !userIDs.isEmpty else { return [:] }
        return try await store.writer.read { db in
            var result: [String: (action: String, at: Date)] = [:]
            for id in userIDs {
                let request = SQLRequest<Row>(
                    cachedLiteral: "SELECT action, at FROM audit_events WHERE user_id = \(id) ORDER BY seq DESC LIMIT 1")
                if let row = try Row.fetchOne(db, request) { result[id] = (row["action"], row["at"]) }
            }
            return result
        }
    }
}
