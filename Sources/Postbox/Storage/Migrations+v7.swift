import GRDB

extension PostboxMigrations {
    /// Tickets carry the fields of their reference and subject that decide who sees them
    /// (`ref_kind`, `ref_number`, `ref_organisation_id`, `ref_advisor_id`,
    /// `subject_restricted_at`), so that listing, posting and reading a ticket need no join to
    /// `refs` and `subjects`.
    ///
    /// With a million messages a page of 50 tickets joined its references and subjects by their
    /// UUID keys: 200 index and table seeks into pages spread over the whole file, and the
    /// ticket list lost 20-29% against a store of 10,000 messages (docs/benchmarks.md). The
    /// copies are kept in step by triggers, whatever statement changes the originals: a new
    /// ticket takes them from its reference and subject, a ticket whose reference or subject
    /// changes (also when deleting a subject sets `subject_id` to NULL) takes them anew, and a
    /// change of a reference's fields or a subject's restriction is copied to its tickets (both
    /// through an index on the ticket's column).
    static func v7TicketScopeCopies(_ db: Database) throws {
        try db.alter(table: "tickets") { t in
            t.add(column: "ref_kind", .text)
            t.add(column: "ref_number", .text)
            t.add(column: "ref_organisation_id", .text)
            t.add(column: "ref_advisor_id", .text)
            t.add(column: "subject_restricted_at", .datetime)
        }
        // The five copies taken from the reference and subject the ticket `row` names.
        func copies(of row: String) -> String {
            """
            ref_kind = (SELECT kind FROM refs WHERE id = \(row).ref_id),
            ref_number = (SELECT number FROM refs WHERE id = \(row).ref_id),
            ref_organisation_id = (SELECT organisation_id FROM refs WHERE id = \(row).ref_id),
            ref_advisor_id = (SELECT advisor_id FROM refs WHERE id = \(row).ref_id),
            subject_restricted_at = (SELECT restricted_at FROM subjects WHERE id = \(row).subject_id)
            """
        }
        try db.execute(
            sql: """
                UPDATE tickets SET \(copies(of: "tickets"));
                CREATE TRIGGER tickets_copy_scope_on_insert AFTER INSERT ON tickets BEGIN
                    UPDATE tickets SET \(copies(of: "NEW")) WHERE id = NEW.id;
                END;
                CREATE TRIGGER tickets_copy_scope_on_move AFTER UPDATE OF ref_id, subject_id ON tickets BEGIN
                    UPDATE tickets SET \(copies(of: "NEW")) WHERE id = NEW.id;
                END;
                CREATE TRIGGER refs_copy_scope_to_tickets
                AFTER UPDATE OF kind, number, organisation_id, advisor_id ON refs BEGIN
                    UPDATE tickets SET ref_kind = NEW.kind, ref_number = NEW.number,
                        ref_organisation_id = NEW.organisation_id, ref_advisor_id = NEW.advisor_id
                    WHERE ref_id = NEW.id;
                END;
                CREATE TRIGGER subjects_copy_restriction_to_tickets AFTER UPDATE OF restricted_at ON subjects BEGIN
                    UPDATE tickets SET subject_restricted_at = NEW.restricted_at WHERE subject_id = NEW.id;
                END;
                """)
    }
}
