import GRDB

extension PostboxMigrations {
    /// Tickets and references: sequences, lookup indexes.
    static func v3Tickets(_ db: Database) throws {
        try db.create(table: "counters") { t in
            t.primaryKey("name", .text)
            t.column("value", .integer).notNull()
        }
        try db.create(index: "refs_on_subject", on: "refs", columns: ["subject_id"])
        try db.create(index: "refs_on_organisation", on: "refs", columns: ["organisation_id"])
        try db.create(index: "tickets_on_ref", on: "tickets", columns: ["ref_id"])
        try db.create(index: "tickets_on_assignee", on: "tickets", columns: ["assignee_id"])
        try db.create(index: "tickets_on_subject", on: "tickets", columns: ["subject_id"])
        try db.create(index: "message_revisions_on_message", on: "message_revisions", columns: ["message_id"])
        try db.alter(table: "refs") { t in
            t.add(column: "service_number", .text)
        }
        try db.alter(table: "tickets") { t in
            t.add(column: "closed_at", .datetime)
        }
    }
}
