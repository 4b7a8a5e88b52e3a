import GRDB

extension PostboxMigrations {
    /// Attachments: the stream header of the encrypted content, which metadata went, and the
    /// content itself as secretstream chunks (so a file is written and read chunk by chunk).
    static func v6Attachments(_ db: Database) throws {
        try db.alter(table: "attachments") { t in
            t.add(column: "stream_header", .blob)
            t.add(column: "metadata_removed", .boolean).notNull().defaults(to: true)
            t.add(column: "special_categories", .text)
        }
        try db.create(table: "attachment_chunks") { t in
            t.column("attachment_id", .text).notNull().references("attachments", onDelete: .cascade)
            t.column("seq", .integer).notNull()
            t.column("data", .blob).notNull()
            t.primaryKey(["attachment_id", "seq"])
        }
        try db.create(index: "attachments_on_ticket", on: "attachments", columns: ["ticket_id", "created_at"])
    }
}
