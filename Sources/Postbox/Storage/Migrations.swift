import GRDB

/// The schema, as a frozen ordered list of migrations.
///
/// Never edit a migration that has shipped; add a new one. Migrations use only GRDB's schema
/// API and SQL, never app types, so they keep meaning the same thing forever.
enum PostboxMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-initial-schema", migrate: v1InitialSchema)
        migrator.registerMigration("v2-accounts", migrate: v2Accounts)
        migrator.registerMigration("v3-tickets", migrate: v3Tickets)
        migrator.registerMigration("v4-special-categories", migrate: v4SpecialCategories)
        migrator.registerMigration("v5-subject-rights", migrate: v5SubjectRights)
        migrator.registerMigration("v6-attachments", migrate: v6Attachments)
        migrator.registerMigration("v7-ticket-scope-copies", migrate: v7TicketScopeCopies)
        migrator.registerMigration("v8-ticket-versions", migrate: v8TicketVersions)
        return migrator
    }

    /// Tables of DESIGN.md section 3. Encrypted columns are BLOBs named after their field and
    /// sealed with associated data (table, row id, field name).
    private static func v1InitialSchema(_ db: Database) throws {
        // Master keys known to this database (ids only, never key material).
        try db.create(table: "master_keys") { t in
            t.primaryKey("id", .text)
            t.column("created_at", .datetime).notNull()
            t.column("retired_at", .datetime)
        }
        // Data keys (DEKs), each wrapped by a master key. Erasing an object deletes its DEK.
        try db.create(table: "data_keys") { t in
            t.primaryKey("id", .text)
            t.column("purpose", .text).notNull()
            t.column("master_key_id", .text).notNull().references("master_keys")
            t.column("wrapped", .blob).notNull()
            t.column("created_at", .datetime).notNull()
        }
        try db.create(table: "organisations") { t in
            t.primaryKey("id", .text)
            t.column("name", .text).notNull()
            t.column("partner_number", .text).notNull().unique()
            t.column("created_at", .datetime).notNull()
        }
        try db.create(table: "subjects") { t in
            t.primaryKey("id", .text)
            t.column("created_at", .datetime).notNull()
            t.column("restricted_at", .datetime)
        }
        // Blind indexes: keyed BLAKE2b of normalised identifiers, never the identifiers.
        try db.create(table: "subject_index") { t in
            t.column("subject_id", .text).notNull().references("subjects", onDelete: .cascade)
            t.column("kind", .text).notNull()
            t.column("hash", .blob).notNull()
            t.primaryKey(["kind", "hash", "subject_id"])
        }
        try db.create(index: "subject_index_on_subject", on: "subject_index", columns: ["subject_id"])
        try db.create(table: "users") { t in
            t.primaryKey("id", .text)
            t.column("login", .text).notNull().unique()
            t.column("role", .text).notNull()
            t.column("status", .text).notNull()
            t.column("organisation_id", .text).references("organisations")
            t.column("subject_id", .text).references("subjects", onDelete: .setNull)
            t.column("data_key_id", .text).notNull().references("data_keys")
            t.column("display_name", .blob).notNull()
            t.column("member_number", .blob)
            t.column("password_hash", .text)
            t.column("activation_hash", .text)
            t.column("activation_expires_at", .datetime)
            t.column("created_at", .datetime).notNull()
            t.column("updated_at", .datetime).notNull()
        }
        try db.create(table: "sessions") { t in
            t.primaryKey("id", .text)
            t.column("token_hash", .blob).notNull().unique()
            t.column("user_id", .text).notNull().references("users", onDelete: .cascade)
            t.column("created_at", .datetime).notNull()
            t.column("last_seen_at", .datetime).notNull()
            t.column("expires_at", .datetime).notNull()
            t.column("ip_prefix", .text)
        }
        try db.create(table: "consents") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("user_id", .text).notNull().references("users", onDelete: .cascade)
            t.column("version", .text).notNull()
            t.column("accepted_at", .datetime).notNull()
            t.column("withdrawn_at", .datetime)
            t.column("ip_prefix", .text)
        }
        // Contracts and referrals ("references"). Personal fields are one sealed JSON payload.
        try db.create(table: "refs") { t in
            t.primaryKey("id", .text)
            t.column("kind", .text).notNull()
            t.column("number", .text).notNull()
            t.column("subject_id", .text).references("subjects", onDelete: .setNull)
            t.column("organisation_id", .text).references("organisations")
            t.column("advisor_id", .text).references("users")
            t.column("data_key_id", .text).notNull().references("data_keys")
            t.column("payload", .blob).notNull()
            t.column("author_id", .text).references("users")
            t.column("author_role", .text)
            t.column("channel", .text).notNull()
            t.column("ip_prefix", .text)
            t.column("created_at", .datetime).notNull()
            t.uniqueKey(["kind", "number"])
        }
        try db.create(table: "tickets") { t in
            t.primaryKey("id", .text)
            t.column("ref_id", .text).notNull().references("refs")
            t.column("subject_id", .text).references("subjects", onDelete: .setNull)
            t.column("status", .text).notNull()
            t.column("assignee_id", .text).references("users")
            t.column("data_key_id", .text).notNull().references("data_keys")
            t.column("title", .blob).notNull()
            t.column("author_id", .text).references("users")
            t.column("author_role", .text)
            t.column("organisation_id", .text).references("organisations")
            t.column("channel", .text).notNull()
            t.column("ip_prefix", .text)
            t.column("created_at", .datetime).notNull()
            t.column("last_activity_at", .datetime).notNull()
        }
        try db.create(index: "tickets_on_activity", on: "tickets", columns: ["last_activity_at", "id"])
        try db.create(table: "messages") { t in
            t.primaryKey("id", .text)
            t.column("ticket_id", .text).notNull().references("tickets", onDelete: .cascade)
            t.column("seq", .integer).notNull()
            t.column("body", .blob).notNull()
            t.column("held", .boolean).notNull().defaults(to: false)
            t.column("author_id", .text).references("users")
            t.column("author_role", .text).notNull()
            t.column("organisation_id", .text).references("organisations")
            t.column("channel", .text).notNull()
            t.column("ip_prefix", .text)
            t.column("created_at", .datetime).notNull()
            t.column("edited_at", .datetime)
            t.uniqueKey(["ticket_id", "seq"])
        }
        try db.create(table: "message_revisions") { t in
            t.primaryKey("id", .text)
            t.column("message_id", .text).notNull().references("messages", onDelete: .cascade)
            t.column("body", .blob).notNull()
            t.column("reason", .blob)
            t.column("revised_by", .text).references("users")
            t.column("created_at", .datetime).notNull()
        }
        try db.create(table: "attachments") { t in
            t.primaryKey("id", .text)
            t.column("ticket_id", .text).notNull().references("tickets", onDelete: .cascade)
            t.column("name", .blob).notNull()
            t.column("content_type", .text).notNull()
            t.column("size", .integer).notNull()
            t.column("content", .blob).notNull()
            t.column("removed_metadata", .text)
            t.column("author_id", .text).references("users")
            t.column("author_role", .text).notNull()
            t.column("organisation_id", .text).references("organisations")
            t.column("channel", .text).notNull()
            t.column("ip_prefix", .text)
            t.column("created_at", .datetime).notNull()
        }
        try db.create(table: "review_items") { t in
            t.primaryKey("id", .text)
            t.column("object_type", .text).notNull()
            t.column("object_id", .text).notNull()
            t.column("subject_id", .text).references("subjects", onDelete: .setNull)
            t.column("categories", .text).notNull()
            t.column("status", .text).notNull()
            t.column("decision", .text)
            t.column("reason", .blob)
            t.column("decided_by", .text).references("users")
            t.column("created_at", .datetime).notNull()
            t.column("decided_at", .datetime)
        }
        // Hash-chained audit log: hash = BLAKE2b(previous hash || canonical event).
        try db.create(table: "audit_events") { t in
            t.primaryKey("seq", .integer)
            t.column("at", .datetime).notNull()
            t.column("user_id", .text)
            t.column("role", .text)
            t.column("action", .text).notNull()
            t.column("object_type", .text)
            t.column("object_id", .text)
            t.column("outcome", .text).notNull()
            t.column("ip_prefix", .text)
            t.column("prev_hash", .blob).notNull()
            t.column("hash", .blob).notNull()
        }
        try db.create(index: "audit_events_on_user", on: "audit_events", columns: ["user_id", "seq"])
    }
}
