import GRDB

extension PostboxMigrations {
    /// Data-subject rights and retention: erasure and holds, contract end dates, the audit
    /// checkpoint that keeps the chain verifiable after old events are purged.
    static func v5SubjectRights(_ db: Database) throws {
        try db.alter(table: "subjects") { t in
            t.add(column: "erased_at", .datetime)
        }
        // When a contract ended (known from the upstream system or the import); holds run from it.
        try db.alter(table: "refs") { t in
            t.add(column: "ends_at", .datetime)
        }
        // An entry kept after its subject's erasure because a legal hold covers it.
        try db.alter(table: "tickets") { t in
            t.add(column: "hold_reason", .text)
        }
        try db.alter(table: "users") { t in
            t.add(column: "erased_at", .datetime)
        }
        // The link to the events purged before `next_seq`: the hash the first remaining event
        // names as its predecessor, authenticated with the audit key.
        try db.create(table: "audit_checkpoints") { t in
            t.primaryKey("next_seq", .integer)
            t.column("prev_hash", .blob).notNull()
            t.column("purged", .integer).notNull()
            t.column("at", .datetime).notNull()
            t.column("mac", .blob).notNull()
        }
        try db.create(index: "review_items_on_subject", on: "review_items", columns: ["subject_id"])
        try db.create(index: "review_items_on_ticket", on: "review_items", columns: ["ticket_id"])
        try db.create(index: "review_items_on_ref", on: "review_items", columns: ["ref_id"])
        try db.create(index: "users_on_subject", on: "users", columns: ["subject_id"])
        try db.create(index: "tickets_on_closed", on: "tickets", columns: ["status", "closed_at"])
        try db.create(index: "audit_events_on_at", on: "audit_events", columns: ["at"])
        try db.create(index: "sessions_on_expiry", on: "sessions", columns: ["expires_at"])
    }
}
