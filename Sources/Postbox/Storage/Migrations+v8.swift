import GRDB

extension PostboxMigrations {
    /// Tickets count the changes to their messages (`version`), so that a page of a thread a
    /// reader already has can be told unchanged from the ticket row alone.
    ///
    /// Triggers keep the count, whatever statement changes a message: a new message, any change
    /// of one (rectification, a review decision that releases or redacts a held message, a change
    /// made by hand or by an operator's tool) and a deleted one (erasure, retention) each add one
    /// to the version of the ticket the message belongs to (both tickets, should a message ever
    /// move). The count
    /// only grows; a ticket that is deleted takes its count with it, and its id is never used
    /// again. Revisions are not counted: they are shown to the DPO only, whose pages are never
    /// kept (`MessagePageCache`).
    static func v8TicketVersions(_ db: Database) throws {
        try db.alter(table: "tickets") { t in
            t.add(column: "version", .integer).notNull().defaults(to: 0)
        }
        try db.execute(
            sql: """
                CREATE TRIGGER messages_count_insert_in_ticket_version AFTER INSERT ON messages BEGIN
                    UPDATE tickets SET version = version + 1 WHERE id = NEW.ticket_id;
                END;
                CREATE TRIGGER messages_count_update_in_ticket_version AFTER UPDATE ON messages BEGIN
                    UPDATE tickets SET version = version + 1 WHERE id IN (OLD.ticket_id, NEW.ticket_id);
                END;
                CREATE TRIGGER messages_count_delete_in_ticket_version AFTER DELETE ON messages BEGIN
                    UPDATE tickets SET version = version + 1 WHERE id = OLD.ticket_id;
                END;
                """)
    }
}
