import Foundation
import GRDB

/// The DPO's review queue of flagged entries.
public protocol ReviewRepository: Sendable {
    /// Items with the given status (all when nil), oldest first, with each entry's text and origin.
    func items(status: ReviewItem.Status?, limit: Int) async throws -> [ReviewItem]
    /// Applies a decision in one transaction; `redact` turns a text into its redacted form.
    func decide(
        id: String, action: ReviewAction, reason: String, by principal: Principal,
        redact: @escaping @Sendable (String) -> String, audit: AuditDraft
    ) async throws -> ReviewItem
}

/// ``ReviewRepository`` over the SQLite store.
public struct GRDBReviewRepository: ReviewRepository {
    let store: PostboxStore
    let now: Now

    public init(store: PostboxStore, now: @escaping Now = systemNow) {
        self.store = store
        self.now = now
    }

    static let redactionMark = "[entfernt]"

    private func location(_ table: String, _ id: String, _ field: String) -> FieldLocation {
        FieldLocation(table: table, rowID: id, field: field)
    }

    public func items(status: ReviewItem.Status?, limit: Int) async throws -> [ReviewItem] {
        try await store.writer.read { db in
            var sql: SQL = "SELECT * FROM review_items"
            if let status { sql += " WHERE status = \(status.rawValue)" }
            sql += " ORDER BY created_at, id LIMIT \(limit)"
            return try Row.fetchAll(db, SQLRequest(cachedLiteral: sql)).map { row in
                var item = Self.item(row)
                if let (text, origin) = try entry(db, item) {
                    item.text = text
                    item.origin = origin
                }
                return item
            }
        }
    }

    static func item(_ row: Row) -> ReviewItem {
        ReviewItem(
            id: row["id"], objectType: row["object_type"], objectID: row["object_id"], ticketID: row["ticket_id"],
            referenceID: row["ref_id"], field: row["field"] ?? "",
            categories: GRDBTicketRepository.categories(row["categories"]),
            status: ReviewItem.Status(rawValue: row["status"]) ?? .open, held: row["held"] ?? false,
            authorID: row["author_id"], authorRole: row["author_role"], createdAt: row["created_at"], text: nil,
            origin: nil, decision: row["decision"], decidedBy: row["decided_by"], decidedAt: row["decided_at"])
    }

    /// The flagged entry's current text and origin, or nil when it no longer exists.
    private func entry(_ db: Database, _ item: ReviewItem) throws -> (String, Origin)? {
        switch item.objectType {
        case "message":
            let request = SQLRequest<Row>(
                cachedLiteral: """
                    SELECT m.*, t.data_key_id FROM messages m JOIN tickets t ON t.id = m.ticket_id
                    WHERE m.id = \(item.objectID)
                    """)
            guard let row = try Row.fetchOne(db, request) else { return nil }
            let key = try store.vault.dataKey(db, id: row["data_key_id"])
            return (
                try key.openText([UInt8](row["body"] as Data), at: location("messages", item.objectID, "body")),
                GRDBTicketRepository.origin(row)
            )
        case "ticket":
            guard let row = try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT * FROM tickets WHERE id = \(item.objectID)"))
            else { return nil }
            let key = try store.vault.dataKey(db, id: row["data_key_id"])
            return (
                try key.openText([UInt8](row["title"] as Data), at: location("tickets", item.objectID, "title")),
                GRDBTicketRepository.origin(row)
            )
        case "referral":
            guard let (details, row) = try referral(db, id: item.objectID) else { return nil }
            return (details.remarks ?? "", GRDBReferenceRepository.origin(row))
        default:
            return nil
        }
    }

    private func referral(_ db: Database, id: String) throws -> (ReferralDetails, Row)? {
        guard let row = try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT * FROM refs WHERE id = \(id)")) else { return nil }
        let key = try store.vault.dataKey(db, id: row["data_key_id"])
        let plain = try key.openBytes([UInt8](row["payload"] as Data), at: GRDBReferenceRepository.payloadLocation(id))
        return (try JSONDecoder().decode(ReferralDetails.self, from: Data(plain)), row)
    }

    public func decide(
        id: String, action: ReviewAction, reason: String, by principal: Principal,
        redact: @escaping @Sendable (String) -> String, audit: AuditDraft
    ) async throws -> ReviewItem {
        let at = now()
        return try await store.write { db in
            guard let row = try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT * FROM review_items WHERE id = \(id)")) else {
                throw PostboxError(.notFound, detail: "no such review item")
            }
            let item = Self.item(row)
            guard item.status == .open else { throw PostboxError(.conflict, detail: "this item was already decided") }
            // The reason is sealed under the key of the ticket or reference the entry belongs to.
            var reasonKey: (SecretKey, String)?
            switch item.objectType {
            case "message":
                try decideMessage(db, item, action, reason: reason, by: principal.userID, at: at, redact: redact)
                reasonKey = try ticketKey(db, item.ticketID)
            case "ticket":
                try decideTitle(db, item, action, redact: redact)
                reasonKey = try ticketKey(db, item.ticketID)
            case "referral":
                try decideRemarks(db, item, action, redact: redact)
                if let keyID = try String.fetchOne(db, SQLRequest(cachedLiteral: "SELECT data_key_id FROM refs WHERE id = \(item.objectID)")) {
                    reasonKey = (try store.vault.dataKey(db, id: keyID), keyID)
                }
            default:
                throw PostboxError(.notFound, detail: "no such review item")
            }
            let status: ReviewItem.Status =
                switch action {
                case .keep: .kept
                case .redact: .redacted
                case .delete: .deleted
                }
            let sealedReason = reasonKey.map { Data($0.0.seal(reason, at: location("review_items", id, "reason"))) }
            try db.run(
                literal: """
                    UPDATE review_items SET status = \(status.rawValue), decision = \(action.rawValue),
                                            reason = \(sealedReason), decided_by = \(principal.userID),
                                            decided_at = \(at), held = 0
                    WHERE id = \(id)
                    """)
            var record = audit
            record.objectID = item.objectID
            record.objectType = item.objectType
            try GRDBAuditLog.append(db, record, at: at, key: store.systemKeys.audit)
            guard let updated = try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT * FROM review_items WHERE id = \(id)"))
            else { throw StoreError.notFound }
            return Self.item(updated)
        }
    }

    private func ticketKey(_ db: Database, _ ticketID: String?) throws -> (SecretKey, String)? {
        guard let ticketID,
            let keyID = try String.fetchOne(db, SQLRequest(cachedLiteral: "SELECT data_key_id FROM tickets WHERE id = \(ticketID)"))
        else { return nil }
        return (try store.vault.dataKey(db, id: keyID), keyID)
    }

    private func decideMessage(
        _ db: Database, _ item: ReviewItem, _ action: ReviewAction, reason: String, by userID: String, at: Date,
        redact: (String) -> String
    ) throws {
        let id = item.objectID
        switch action {
        case .keep:
            try db.run(literal: "UPDATE messages SET held = 0 WHERE id = \(id)")
        case .delete:
            try db.run(literal: "DELETE FROM messages WHERE id = \(id)")
        case .redact:
            guard let (key, _) = try ticketKey(db, item.ticketID),
                let row = try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT body FROM messages WHERE id = \(id)"))
            else { throw PostboxError(.notFound, detail: "the entry no longer exists") }
            let old = try key.openText([UInt8](row["body"] as Data), at: location("messages", id, "body"))
            let revisionID = TimeOrderedID.make()
            try db.run(
                literal: """
                    INSERT INTO message_revisions (id, message_id, body, reason, revised_by, created_at)
                    VALUES (\(revisionID), \(id), \(Data(key.seal(old, at: location("message_revisions", revisionID, "body")))),
                            \(Data(key.seal(reason, at: location("message_revisions", revisionID, "reason")))),
                            \(userID), \(at))
                    """)
            try db.run(
                literal: """
                    UPDATE messages SET body = \(Data(key.seal(redact(old), at: location("messages", id, "body")))),
                                        held = 0, edited_at = \(at), special_categories = NULL
                    WHERE id = \(id)
                    """)
        }
    }

    private func decideTitle(_ db: Database, _ item: ReviewItem, _ action: ReviewAction, redact: (String) -> String) throws {
        guard action != .keep else { return }
        let id = item.objectID
        guard let (key, _) = try ticketKey(db, id),
            let row = try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT title FROM tickets WHERE id = \(id)"))
        else { throw PostboxError(.notFound, detail: "the entry no longer exists") }
        let old = try key.openText([UInt8](row["title"] as Data), at: location("tickets", id, "title"))
        let new = action == .delete ? Self.redactionMark : redact(old)
        try db.run(
            literal: """
                UPDATE tickets SET title = \(Data(key.seal(new, at: location("tickets", id, "title")))),
                                   special_categories = NULL
                WHERE id = \(id)
                """)
    }

    private func decideRemarks(_ db: Database, _ item: ReviewItem, _ action: ReviewAction, redact: (String) -> String) throws {
        guard action != .keep else { return }
        guard let (stored, row) = try referral(db, id: item.objectID) else {
            throw PostboxError(.notFound, detail: "the entry no longer exists")
        }
        var details = stored
        details.remarks = action == .delete ? nil : details.remarks.map(redact)
        let key = try store.vault.dataKey(db, id: row["data_key_id"])
        let sealed = key.seal(bytes: [UInt8](try JSONEncoder().encode(details)), at: GRDBReferenceRepository.payloadLocation(item.objectID))
        try db.run(
            literal: "UPDATE refs SET payload = \(Data(sealed)), special_categories = NULL WHERE id = \(item.objectID)")
    }
}
