import GRDB

extension PostboxMigrations {
    /// Special categories: the categories found are stored with each entry (never the matched
    /// text in clear), and review items know their ticket, field and author.
    static func v4SpecialCategories(_ db: Database) throws {
        for table in ["messages", "tickets", "refs"] {
            try db.alter(table: table) { t in t.add(column: "special_categories", .text) }
        }
        try db.alter(table: "review_items") { t in
            t.add(column: "ticket_id", .text)
            t.add(column: "ref_id", .text)
            t.add(column: "field", .text)
            t.add(column: "author_id", .text)
            t.add(column: "author_role", .text)
            t.add(column: "held", .boolean).notNull().defaults(to: false)
        }
        try db.create(index: "review_items_on_status", on: "review_items", columns: ["status", "created_at"])
    }
}
