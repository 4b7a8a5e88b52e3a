import GRDB

extension PostboxMigrations {
    /// Accounts: blind index of a member's member number; sessions looked up by user.
    static func v2Accounts(_ db: Database) throws {
        try db.alter(table: "users") { t in
            t.add(column: "member_number_index", .blob)
        }
        try db.create(index: "users_on_member_number_index", on: "users", columns: ["member_number_index"])
        try db.create(index: "sessions_on_user", on: "sessions", columns: ["user_id"])
        try db.create(index: "consents_on_user", on: "consents", columns: ["user_id", "id"])
    }
}
