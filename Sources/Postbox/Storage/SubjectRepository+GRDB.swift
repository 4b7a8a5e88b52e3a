import Foundation
import GRDB

/// ``SubjectRepository`` over the SQLite store.
///
/// Erasure and purging delete rows together with the data keys they were sealed under; with
/// `secure_delete` on and the WAL checkpointed afterwards, nothing readable remains in the file.
public struct GRDBSubjectRepository: SubjectRepository {
    let store: PostboxStore
    let now: Now
    /// Messages decrypted per read while exporting; bounds the memory an export needs.
    let exportPageSize: Int

    public init(store: PostboxStore, now: @escaping Now = systemNow, exportPageSize: Int = 500) {
        self.store = store
        self.now = now
        self.exportPageSize = exportPageSize
    }

    private func append(_ db: Database, _ audit: AuditDraft, objectID: String?) throws {
        var record = audit
        if let objectID { record.objectID = objectID }
        try GRDBAuditLog.append(db, record, at: now(), key: store.systemKeys.audit)
    }

    // MARK: - Search

    public func search(_ identifiers: [SubjectIdentifier]) async throws -> [SubjectSummary] {
        let indexer = store.systemKeys.blindIndexer
        let hashes = identifiers.map {
            ($0.kind, Data(indexer.index(kind: $0.kind.rawValue, normalisedValue: $0.value)))
        }
        return try await store.writer.read { db in
            var matched: [String: [IdentifierKind]] = [:]
            var order: [String] = []
            for (kind, hash) in hashes {
                let ids = try String.fetchAll(
                    db,
                    SQLRequest(
                        cachedLiteral: "SELECT subject_id FROM subject_index WHERE kind = \(kind.rawValue) AND hash = \(hash)"
                    ))
                for id in ids {
                    if matched[id] == nil { order.append(id) }
                    if matched[id]?.contains(kind) != true { matched[id, default: []].append(kind) }
                }
            }
            return try order.compactMap { id in try Self.summary(db, id: id, matchedBy: matched[id] ?? []) }
        }
    }

    public func summary(id: String) async throws -> SubjectSummary? {
        try await store.writer.read { db in try Self.summary(db, id: id, matchedBy: []) }
    }

    public func exists(id: String) async throws -> Bool {
        try await store.writer.read { db in
            try Bool.fetchOne(db, SQLRequest(cachedLiteral: "SELECT EXISTS (SELECT 1 FROM subjects WHERE id = \(id))"))
                ?? false
        }
    }

    static func summary(_ db: Database, id: String, matchedBy: [IdentifierKind]) throws -> SubjectSummary? {
        let request = SQLRequest<Row>(
            cachedLiteral: """
                SELECT s.id, s.created_at, s.restricted_at, s.erased_at,
                       (SELECT COUNT(*) FROM users WHERE subject_id = s.id) AS accounts,
                       (SELECT COUNT(*) FROM refs WHERE subject_id = s.id AND kind = 'contract') AS contracts,
                       (SELECT COUNT(*) FROM refs WHERE subject_id = s.id AND kind = 'referral') AS referrals,
                       (SELECT COUNT(*) FROM tickets WHERE subject_id = s.id) AS tickets,
                       (SELECT COUNT(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id
                         WHERE t.subject_id = s.id) AS messages
                FROM subjects s WHERE s.id = \(id)
                """)
        guard let row = try Row.fetchOne(db, request) else { return nil }
        let references = try Row.fetchAll(
            db,
            SQLRequest(
                cachedLiteral: "SELECT kind, number FROM refs WHERE subject_id = \(id) ORDER BY kind, created_at, rowid")
        ).map { SubjectExport.ReferenceRef(kind: $0["kind"], number: $0["number"]) }
        return SubjectSummary(
            id: row["id"], createdAt: row["created_at"], restrictedAt: row["restricted_at"], erasedAt: row["erased_at"],
            matchedBy: matchedBy, accounts: row["accounts"], contracts: row["contracts"], referrals: row["referrals"],
            tickets: row["tickets"], messages: row["messages"], references: references)
    }

    // MARK: - Restriction

    public func setRestricted(subjectID: String, _ restricted: Bool, audit: AuditDraft) async throws -> SubjectSummary {
        try await store.write { db in
            guard let current = try Self.summary(db, id: subjectID, matchedBy: []) else { throw StoreError.notFound }
            if !restricted, current.erasedAt != nil {
                throw PostboxError(
                    .conflict, detail: "the subject was erased; what is kept stays restricted until its hold ends")
            }
            if restricted {
                try db.execute(
                    literal:
                        "UPDATE subjects SET restricted_at = COALESCE(restricted_at, \(now())) WHERE id = \(subjectID)")
            } else {
                try db.run(literal: "UPDATE subjects SET restricted_at = NULL WHERE id = \(subjectID)")
            }
            try append(db, audit, objectID: subjectID)
            guard let updated = try Self.summary(db, id: subjectID, matchedBy: []) else { throw StoreError.notFound }
            return updated
        }
    }

    /// Refuses a new entry about a restricted subject, inside the writing transaction.
    static func requireUnrestricted(_ db: Database, subjectID: String?) throws {
        guard let subjectID else { return }
        let restricted = try Bool.fetchOne(
            db, SQLRequest(cachedLiteral: "SELECT restricted_at IS NOT NULL FROM subjects WHERE id = \(subjectID)"))
        if restricted == true { throw PostboxError.subjectRestricted }
    }

    // MARK: - Deleting with keys

    /// Deletes a ticket, its messages, revisions and review items, and its data key.
    static func deleteTicket(_ db: Database, id: String, dataKeyID: String) throws -> Int {
        let messages =
            try Int.fetchOne(db, SQLRequest(cachedLiteral: "SELECT COUNT(*) FROM messages WHERE ticket_id = \(id)"))
            ?? 0
        // Review reasons are sealed under the ticket's key: they go with it.
        try db.run(literal: "DELETE FROM review_items WHERE ticket_id = \(id)")
        try db.run(literal: "DELETE FROM tickets WHERE id = \(id)")
        try db.run(literal: "DELETE FROM data_keys WHERE id = \(dataKeyID)")
        return messages
    }

    /// Deletes a reference (no ticket may point to it any more), its review items and data key.
    static func deleteReference(_ db: Database, id: String, dataKeyID: String) throws {
        try db.run(literal: "DELETE FROM review_items WHERE ref_id = \(id)")
        try db.run(literal: "DELETE FROM refs WHERE id = \(id)")
        try db.run(literal: "DELETE FROM data_keys WHERE id = \(dataKeyID)")
    }

    /// End of the legal hold on correspondence about a contract that ended at `endsAt`; nil
    /// while the contract runs or its end is unknown.
    static func holdEnd(contractEndsAt endsAt: Date?, years: Int) -> Date? {
        guard let endsAt else { return nil }
        return Calendar(identifier: .gregorian).date(byAdding: .year, value: years, to: endsAt)
    }

    // MARK: - Erasure

    public func erase(subjectID: String, retention: RetentionSettings, audit: AuditDraft) async throws -> ErasureReport
    {
        let at = now()
        var report = try await store.write { db in
            guard try Self.summary(db, id: subjectID, matchedBy: []) != nil else { throw StoreError.notFound }
            var erased: [ErasureReport.Entry] = []
            var retained: [ErasureReport.Entry] = []
            let holdYears = retention.contractCorrespondenceYears

            // Tickets: correspondence on a contract is held; everything else goes.
            let tickets = try Row.fetchAll(
                db,
                SQLRequest(
                    cachedLiteral: """
                        SELECT t.id, t.data_key_id, r.id AS ref_id, r.kind, r.number, r.ends_at
                        FROM tickets t JOIN refs r ON r.id = t.ref_id WHERE t.subject_id = \(subjectID)
                        ORDER BY t.created_at, t.rowid
                        """))
            var heldReferences: Set<String> = []
            for ticket in tickets {
                let id: String = ticket["id"]
                let number: String = ticket["number"]
                let until = Self.holdEnd(contractEndsAt: ticket["ends_at"], years: holdYears)
                if ticket["kind"] == ReferenceKind.contract.rawValue, holdYears > 0, until.map({ $0 > at }) ?? true {
                    try db.run(
                        literal: "UPDATE tickets SET hold_reason = 'contract-correspondence' WHERE id = \(id)")
                    heldReferences.insert(ticket["ref_id"])
                    retained.append(
                        .init(
                            type: "ticket", id: id, reference: number,
                            reason: until == nil
                                ? "correspondence on a running contract: kept (restricted) until \(holdYears) years after the contract ends"
                                : "correspondence on a contract: kept (restricted) for \(holdYears) years after the contract ended",
                            until: until))
                } else {
                    let messages = try Self.deleteTicket(db, id: id, dataKeyID: ticket["data_key_id"])
                    erased.append(.init(type: "ticket", id: id, reference: number, count: messages))
                }
            }

            // References: referrals go; contracts are the insurer's records, kept from the upstream system.
            let references = try Row.fetchAll(
                db,
                SQLRequest(
                    literal:
                        "SELECT id, kind, number, data_key_id FROM refs WHERE subject_id = \(subjectID) ORDER BY created_at, rowid"
                ))
            for reference in references {
                let id: String = reference["id"]
                let number: String = reference["number"]
                let stillUsed =
                    try Bool.fetchOne(
                        db, SQLRequest(cachedLiteral: "SELECT EXISTS (SELECT 1 FROM tickets WHERE ref_id = \(id))"))
                    ?? false
                if reference["kind"] == ReferenceKind.contract.rawValue {
                    retained.append(
                        .init(
                            type: "contract", id: id, reference: number,
                            reason:
                                "the contract is held by the insurer's contract system, which this erasure does not touch; the postbox keeps its copy (restricted) while the contract exists"
                        ))
                } else if stillUsed || heldReferences.contains(id) {
                    retained.append(
                        .init(
                            type: "referral", id: id, reference: number, reason: "referenced by retained correspondence"
                        ))
                } else {
                    try Self.deleteReference(db, id: id, dataKeyID: reference["data_key_id"])
                    erased.append(.init(type: "referral", id: id, reference: number))
                }
            }

            // Review items about the subject that no retained entry carries.
            let reviews =
                try Int.fetchOne(
                    db,
                    SQLRequest(
                        cachedLiteral: """
                            SELECT COUNT(*) FROM review_items WHERE subject_id = \(subjectID)
                            AND (ticket_id IS NULL OR ticket_id NOT IN (SELECT id FROM tickets))
                            AND (ref_id IS NULL OR ref_id NOT IN (SELECT id FROM refs))
                            """)) ?? 0
            try db.run(
                literal: """
                    DELETE FROM review_items WHERE subject_id = \(subjectID)
                    AND (ticket_id IS NULL OR ticket_id NOT IN (SELECT id FROM tickets))
                    AND (ref_id IS NULL OR ref_id NOT IN (SELECT id FROM refs))
                    """)
            if reviews > 0 { erased.append(.init(type: "review-items", count: reviews)) }

            // Accounts end: sessions and consents go, the row keeps only its id for the audit trail.
            let accounts = try Row.fetchAll(
                db, SQLRequest(cachedLiteral: "SELECT id, data_key_id FROM users WHERE subject_id = \(subjectID)"))
            var accountIDs: [String] = []
            for account in accounts {
                let id: String = account["id"]
                accountIDs.append(id)
                try db.run(literal: "DELETE FROM sessions WHERE user_id = \(id)")
                try db.run(literal: "DELETE FROM consents WHERE user_id = \(id)")
                // The row stays (entries and audit events name its id) under a fresh key and without content.
                let fresh = try store.vault.createDataKey(db, purpose: "user")
                let empty = Data(fresh.key.seal("", at: GRDBUserRepository.location(id, "display_name")))
                try db.run(
                    literal: """
                        UPDATE users SET login = \("erased-" + id), status = \(AccountStatus.erased.rawValue),
                                         display_name = \(empty), member_number = NULL, member_number_index = NULL,
                                         password_hash = NULL, activation_hash = NULL, activation_expires_at = NULL,
                                         subject_id = NULL, data_key_id = \(fresh.id), erased_at = \(at),
                                         updated_at = \(at)
                        WHERE id = \(id)
                        """)
                try db.run(literal: "DELETE FROM data_keys WHERE id = \(account["data_key_id"] as String)")
                erased.append(.init(type: "account", id: id))
            }

            // Blind indexes: only the policy numbers of kept contracts stay findable.
            let keepsContract = references.contains { $0["kind"] == ReferenceKind.contract.rawValue }
            let identifiers: Int
            if keepsContract {
                identifiers =
                    try Int.fetchOne(
                        db,
                        SQLRequest(
                            literal:
                                "SELECT COUNT(*) FROM subject_index WHERE subject_id = \(subjectID) AND kind <> 'policy_number'"
                        )) ?? 0
                try db.run(
                    literal: "DELETE FROM subject_index WHERE subject_id = \(subjectID) AND kind <> 'policy_number'")
            } else {
                identifiers =
                    try Int.fetchOne(
                        db,
                        SQLRequest(cachedLiteral: "SELECT COUNT(*) FROM subject_index WHERE subject_id = \(subjectID)"))
                    ?? 0
                try db.run(literal: "DELETE FROM subject_index WHERE subject_id = \(subjectID)")
            }
            if identifiers > 0 { erased.append(.init(type: "identifiers", count: identifiers)) }

            if !accountIDs.isEmpty {
                let events = try Row.fetchOne(
                    db,
                    SQLRequest(
                        literal: """
                            SELECT COUNT(*) AS n, MAX(at) AS newest FROM audit_events
                            WHERE user_id IN \(accountIDs)
                            """))
                let count: Int = events?["n"] ?? 0
                if count > 0 {
                    let newest: Date? = events?["newest"]
                    retained.append(
                        .init(
                            type: "audit-events", count: count,
                            reason: "security log without content (Art. 6(1)(f), Art. 32 GDPR); purged by retention",
                            until: newest.map { $0.addingTimeInterval(TimeInterval(retention.auditEventDays) * 86_400) }
                        ))
                }
            }

            try db.run(
                literal: """
                    UPDATE subjects SET restricted_at = COALESCE(restricted_at, \(at)), erased_at = \(at)
                    WHERE id = \(subjectID)
                    """)
            try append(db, audit, objectID: subjectID)
            var notes = [
                "Contracts are held by the insurer's contract system; this erasure does not touch them there. Ask the insurer to erase or end the contract upstream."
            ]
            if !retained.isEmpty {
                notes.append(
                    "Retained entries are restricted: only the data-protection officer sees them, and they are purged when their hold ends."
                )
            }
            return ErasureReport(subjectId: subjectID, erasedAt: at, erased: erased, retained: retained, notes: notes)
        }
        // Deleted pages were overwritten (secure_delete); move the WAL into the file and truncate it.
        if !(await store.truncateWAL()) {
            report.notes.append(
                "The database's write-ahead log could not be truncated right away (a reader still needed it); the server truncates it as soon as it can."
            )
        }
        return report
    }

    // MARK: - Retention

    public func purge(retention: RetentionSettings, dryRun: Bool, audit: AuditDraft) async throws -> PurgeReport {
        let at = now()
        let report = try await store.writer.writeWithoutTransaction { db in
            var report = PurgeReport(dryRun: dryRun, at: at)
            try db.inTransaction {
                try purge(db, retention: retention, at: at, into: &report)
                if dryRun { return .rollback }
                if !report.isEmpty { try append(db, audit, objectID: nil) }
                return .commit
            }
            return report
        }
        if !dryRun, !report.isEmpty { _ = await store.truncateWAL() }
        return report
    }

    private func purge(_ db: Database, retention: RetentionSettings, at: Date, into report: inout PurgeReport) throws {
        let calendar = Calendar(identifier: .gregorian)
        let holdYears = retention.contractCorrespondenceYears

        // Tickets: held after erasure until the hold ends; closed ones after the closed-ticket
        // period, correspondence on a contract not before its hold ends.
        let closedBefore = calendar.date(byAdding: .year, value: -retention.closedTicketYears, to: at) ?? at
        let candidates = try Row.fetchAll(
            db,
            SQLRequest(
                cachedLiteral: """
                    SELECT t.id, t.data_key_id, t.hold_reason, r.kind, r.ends_at FROM tickets t JOIN refs r ON r.id = t.ref_id
                    WHERE t.hold_reason IS NOT NULL OR (t.status = 'closed' AND t.closed_at < \(closedBefore))
                    """))
        for ticket in candidates {
            let onContract = ticket["kind"] == ReferenceKind.contract.rawValue
            if onContract, holdYears > 0 {
                guard let end = Self.holdEnd(contractEndsAt: ticket["ends_at"], years: holdYears), end <= at else {
                    continue
                }
            }
            _ = try Self.deleteTicket(db, id: ticket["id"], dataKeyID: ticket["data_key_id"])
            if (ticket["hold_reason"] as String?) != nil { report.heldTickets += 1 } else { report.closedTickets += 1 }
        }

        // Referrals nobody opened a ticket on.
        let referralsBefore = at.addingTimeInterval(-TimeInterval(retention.referralWithoutTicketDays) * 86_400)
        let referrals = try Row.fetchAll(
            db,
            SQLRequest(
                cachedLiteral: """
                    SELECT id, data_key_id FROM refs r WHERE kind = 'referral' AND created_at < \(referralsBefore)
                    AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.ref_id = r.id)
                    """))
        for referral in referrals {
            try Self.deleteReference(db, id: referral["id"], dataKeyID: referral["data_key_id"])
        }
        report.referralsWithoutTicket = referrals.count

        try db.run(literal: "DELETE FROM sessions WHERE expires_at < \(at)")
        report.sessions = db.changesCount
        try db.run(
            literal: """
                UPDATE users SET activation_hash = NULL
                WHERE activation_hash IS NOT NULL AND activation_expires_at < \(at)
                """)
        report.activationCodes = db.changesCount

        // Subjects nothing refers to any more; their blind indexes cascade.
        try db.execute(
            sql: """
                DELETE FROM subjects WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.subject_id = subjects.id)
                AND NOT EXISTS (SELECT 1 FROM refs r WHERE r.subject_id = subjects.id)
                AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.subject_id = subjects.id)
                """)
        report.subjects = db.changesCount

        report.auditEvents = try GRDBAuditLog.purge(
            db, before: at.addingTimeInterval(-TimeInterval(retention.auditEventDays) * 86_400), at: at,
            key: store.systemKeys.audit)
    }

    // MARK: - Export

    public func export<Consumer: ExportConsumer>(
        subjectID: String, header: @Sendable (SubjectExport.Subject) -> SubjectExport.Header,
        into consumer: inout Consumer
    ) async throws {
        // One snapshot: pages read later see the same database as the first read.
        let snapshot = try store.writer.makeSnapshot()
        let vault = store.vault
        let first = try await snapshot.read { db in try ExportReader(db: db, vault: vault).opening(subjectID: subjectID)
        }
        guard let first else { throw StoreError.notFound }
        try await consumer.consume(.header(header(first.subject)))
        for account in first.accounts { try await consumer.consume(.account(account)) }
        for contract in first.contracts { try await consumer.consume(.contract(contract)) }
        for referral in first.referrals { try await consumer.consume(.referral(referral)) }
        let pageSize = exportPageSize
        for ticket in first.tickets {
            try await consumer.consume(.ticket(ticket.entry))
            var after = 0
            while true {
                let from = after
                let page = try await snapshot.read { db in
                    try ExportReader(db: db, vault: vault).messages(
                        of: ticket, after: from, limit: pageSize, organisations: first.organisations)
                }
                for message in page { try await consumer.consume(.message(message)) }
                guard page.count == pageSize, let last = page.last else { break }
                after = last.seq
            }
            let attachmentIDs = try await snapshot.read { db in
                try String.fetchAll(
                    db,
                    SQLRequest(
                        literal:
                            "SELECT id FROM attachments WHERE ticket_id = \(ticket.entry.id) ORDER BY created_at, rowid"
                    ))
            }
            for id in attachmentIDs {
                let (entry, content) = try await snapshot.read { db in
                    try ExportReader(db: db, vault: vault).attachment(
                        id: id, of: ticket, organisations: first.organisations)
                }
                try await consumer.consume(.attachment(entry, content: content))
            }
            try await consumer.consume(.ticketEnd)
        }
        for review in first.reviews { try await consumer.consume(.review(review)) }
        var afterSeq: Int64 = 0
        while !first.accountIDs.isEmpty {
            let from = afterSeq
            let page = try await snapshot.read { db in
                try ExportReader(db: db, vault: vault).auditEvents(of: first.accountIDs, after: from, limit: pageSize)
            }
            for event in page { try await consumer.consume(.audit(event)) }
            guard page.count == pageSize, let last = page.last else { break }
            afterSeq = last.seq
        }
        try await consumer.consume(.end)
    }
}

/// Reads and decrypts the parts of an export inside one snapshot read.
struct ExportReader {
    let db: Database
    let vault: KeyVault

    struct TicketHandle: Sendable {
        var entry: SubjectExport.Ticket
        var dataKeyID: String
    }

    /// Everything but messages and audit events.
    struct Opening: Sendable {
        var subject: SubjectExport.Subject
        var organisations: [String: String]
        var accountIDs: [String]
        var accounts: [SubjectExport.Account]
        var contracts: [SubjectExport.Contract]
        var referrals: [SubjectExport.Referral]
        var tickets: [TicketHandle]
        var reviews: [SubjectExport.Review]
    }

    static func origin(
        _ row: Row, organisations: [String: String], reference: SubjectExport.ReferenceRef?,
        organisationColumn: String = "organisation_id"
    ) -> SubjectExport.Origin {
        let organisation = (row[organisationColumn] as String?).map {
            SubjectExport.OrganisationRef(id: $0, name: organisations[$0] ?? "")
        }
        return SubjectExport.Origin(
            authorId: row["author_id"], role: row["author_role"], organisation: organisation, channel: row["channel"],
            createdAt: row["created_at"], ipPrefix: row["ip_prefix"], reference: reference)
    }

    func opening(subjectID: String) throws -> Opening? {
        guard
            let subjectRow = try Row.fetchOne(
                db, SQLRequest(cachedLiteral: "SELECT * FROM subjects WHERE id = \(subjectID)"))
        else { return nil }
        let subject = SubjectExport.Subject(
            id: subjectID, createdAt: subjectRow["created_at"], restrictedAt: subjectRow["restricted_at"],
            erasedAt: subjectRow["erased_at"])
        var organisations: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM organisations") {
            organisations[row["id"]] = row["name"]
        }

        var accounts: [SubjectExport.Account] = []
        for row in try Row.fetchAll(
            db,
            SQLRequest(cachedLiteral: "SELECT * FROM users WHERE subject_id = \(subjectID) ORDER BY created_at, rowid"))
        {
            let id: String = row["id"]
            let key = try vault.dataKey(db, id: row["data_key_id"])
            let consents = try Row.fetchAll(
                db, SQLRequest(cachedLiteral: "SELECT * FROM consents WHERE user_id = \(id) ORDER BY id")
            ).map {
                SubjectExport.Consent(
                    version: $0["version"], acceptedAt: $0["accepted_at"], withdrawnAt: $0["withdrawn_at"],
                    ipPrefix: $0["ip_prefix"])
            }
            accounts.append(
                SubjectExport.Account(
                    id: id, login: row["login"], role: row["role"], status: row["status"],
                    displayName: try key.openText(
                        [UInt8](row["display_name"] as Data), at: GRDBUserRepository.location(id, "display_name")),
                    memberNumber: try (row["member_number"] as Data?).map {
                        try key.openText([UInt8]($0), at: GRDBUserRepository.location(id, "member_number"))
                    },
                    organisation: (row["organisation_id"] as String?).map {
                        SubjectExport.OrganisationRef(id: $0, name: organisations[$0] ?? "")
                    },
                    createdAt: row["created_at"], consents: consents))
        }

        var contracts: [SubjectExport.Contract] = []
        var referrals: [SubjectExport.Referral] = []
        var referenceKeys: [String: SecretKey] = [:]
        for row in try Row.fetchAll(
            db,
            SQLRequest(cachedLiteral: "SELECT * FROM refs WHERE subject_id = \(subjectID) ORDER BY created_at, rowid"))
        {
            let id: String = row["id"]
            let key = try vault.dataKey(db, id: row["data_key_id"])
            referenceKeys[id] = key
            let payload = Data(
                try key.openBytes([UInt8](row["payload"] as Data), at: GRDBReferenceRepository.payloadLocation(id)))
            let reference = SubjectExport.ReferenceRef(kind: row["kind"], number: row["number"])
            let origin = Self.origin(row, organisations: organisations, reference: reference)
            if row["kind"] == ReferenceKind.contract.rawValue {
                contracts.append(
                    SubjectExport.Contract(
                        id: id, number: row["number"], holder: try JSONDecoder().decode(Holder.self, from: payload),
                        advisorId: row["advisor_id"], endsAt: row["ends_at"], origin: origin))
            } else {
                referrals.append(
                    SubjectExport.Referral(
                        id: id, number: row["number"], serviceNumber: row["service_number"],
                        details: try JSONDecoder().decode(ReferralDetails.self, from: payload),
                        specialCategories: GRDBTicketRepository.categories(row["special_categories"]), origin: origin))
            }
        }

        var tickets: [TicketHandle] = []
        var ticketKeys: [String: SecretKey] = [:]
        let ticketRows = try Row.fetchAll(
            db,
            SQLRequest(
                cachedLiteral: """
                    SELECT t.* FROM tickets t WHERE t.subject_id = \(subjectID) ORDER BY t.created_at, t.rowid
                    """))
        for row in ticketRows {
            let id: String = row["id"]
            let key = try vault.dataKey(db, id: row["data_key_id"])
            ticketKeys[id] = key
            let reference = SubjectExport.ReferenceRef(kind: row["ref_kind"], number: row["ref_number"])
            tickets.append(
                TicketHandle(
                    entry: SubjectExport.Ticket(
                        id: id,
                        title: try key.openText(
                            [UInt8](row["title"] as Data), at: GRDBTicketRepository.location("tickets", id, "title")),
                        status: row["status"], assigneeId: row["assignee_id"], closedAt: row["closed_at"],
                        lastActivityAt: row["last_activity_at"],
                        specialCategories: GRDBTicketRepository.categories(row["special_categories"]),
                        holdReason: row["hold_reason"],
                        origin: Self.origin(row, organisations: organisations, reference: reference)),
                    dataKeyID: row["data_key_id"]))
        }

        var reviews: [SubjectExport.Review] = []
        for row in try Row.fetchAll(
            db,
            SQLRequest(
                cachedLiteral: "SELECT * FROM review_items WHERE subject_id = \(subjectID) ORDER BY created_at, rowid")
        ) {
            let id: String = row["id"]
            let key =
                (row["ticket_id"] as String?).flatMap { ticketKeys[$0] }
                ?? (row["ref_id"] as String?).flatMap { referenceKeys[$0] }
            let reason = try (row["reason"] as Data?).flatMap { sealed in
                try key.map {
                    try $0.openText(
                        [UInt8](sealed), at: FieldLocation(table: "review_items", rowID: id, field: "reason"))
                }
            }
            reviews.append(
                SubjectExport.Review(
                    id: id, objectType: row["object_type"], objectId: row["object_id"], field: row["field"],
                    categories: GRDBTicketRepository.categories(row["categories"]), status: row["status"],
                    decision: row["decision"], reason: reason, decidedBy: row["decided_by"],
                    decidedAt: row["decided_at"],
                    createdAt: row["created_at"]))
        }
        return Opening(
            subject: subject, organisations: organisations, accountIDs: accounts.map(\.id), accounts: accounts,
            contracts: contracts, referrals: referrals, tickets: tickets, reviews: reviews)
    }

    func messages(of ticket: TicketHandle, after: Int, limit: Int, organisations: [String: String]) throws
        -> [SubjectExport.Message]
    {
        let key = try vault.dataKey(db, id: ticket.dataKeyID)
        let ticketID = ticket.entry.id
        let rows = try Row.fetchAll(
            db,
            SQLRequest(
                cachedLiteral: """
                    SELECT * FROM messages WHERE ticket_id = \(ticketID) AND seq > \(after) ORDER BY seq LIMIT \(limit)
                    """))
        guard !rows.isEmpty else { return [] }
        let ids = rows.map { $0["id"] as String }
        var revisions: [String: [SubjectExport.Revision]] = [:]
        for row in try Row.fetchAll(
            db,
            SQLRequest(
                literal: "SELECT * FROM message_revisions WHERE message_id IN \(ids) ORDER BY created_at, rowid"))
        {
            let id: String = row["id"]
            let location = { (field: String) in GRDBTicketRepository.location("message_revisions", id, field) }
            revisions[row["message_id"], default: []].append(
                SubjectExport.Revision(
                    body: try key.openText([UInt8](row["body"] as Data), at: location("body")),
                    reason: try (row["reason"] as Data?).map { try key.openText([UInt8]($0), at: location("reason")) },
                    revisedBy: row["revised_by"], createdAt: row["created_at"]))
        }
        let reference = ticket.entry.origin.reference
        return try rows.map { row in
            let id: String = row["id"]
            return SubjectExport.Message(
                id: id, ticketId: ticketID, seq: row["seq"],
                body: try key.openText(
                    [UInt8](row["body"] as Data), at: GRDBTicketRepository.location("messages", id, "body")),
                held: row["held"], specialCategories: GRDBTicketRepository.categories(row["special_categories"]),
                editedAt: row["edited_at"], revisions: revisions[id] ?? [],
                origin: Self.origin(row, organisations: organisations, reference: reference))
        }
    }

    /// One attachment with its decrypted bytes (at most the upload limit).
    func attachment(id: String, of ticket: TicketHandle, organisations: [String: String]) throws
        -> (SubjectExport.Attachment, [UInt8])
    {
        guard let row = try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT * FROM attachments WHERE id = \(id)"))
        else {
            throw StoreError.notFound
        }
        let ticketKey = try vault.dataKey(db, id: ticket.dataKeyID)
        var reader = try SecretStream.Reader(
            key: try SecretStream.attachmentKey(ticketKey, attachmentID: id),
            header: [UInt8](row["stream_header"] as Data))
        var content: [UInt8] = []
        for chunk in try Data.fetchAll(
            db, SQLRequest(cachedLiteral: "SELECT data FROM attachment_chunks WHERE attachment_id = \(id) ORDER BY seq")
        ) {
            content += try reader.open([UInt8](chunk))
        }
        guard reader.finished else { throw CryptoError.decryptionFailed }
        let name = try ticketKey.openText([UInt8](row["name"] as Data), at: GRDBAttachmentRepository.nameLocation(id))
        let removed: String = row["removed_metadata"] ?? ""
        let entry = SubjectExport.Attachment(
            id: id, ticketId: ticket.entry.id, name: name, contentType: row["content_type"], size: row["size"],
            removedMetadata: removed.split(separator: ",").map(String.init), metadataRemoved: row["metadata_removed"],
            specialCategories: GRDBTicketRepository.categories(row["special_categories"]), content: nil,
            file: "attachments/\(id)-\(name)",
            origin: Self.origin(row, organisations: organisations, reference: ticket.entry.origin.reference))
        return (entry, content)
    }

    func auditEvents(of userIDs: [String], after: Int64, limit: Int) throws -> [SubjectExport.AuditEntry] {
        try Row.fetchAll(
            db,
            SQLRequest(
                literal: """
                    SELECT * FROM audit_events WHERE user_id IN \(userIDs) AND seq > \(after) ORDER BY seq LIMIT \(limit)
                    """)
        ).map {
            SubjectExport.AuditEntry(
                seq: $0["seq"], at: $0["at"], userId: $0["user_id"], role: $0["role"], action: $0["action"],
                objectType: $0["object_type"], objectId: $0["object_id"], outcome: $0["outcome"],
                ipPrefix: $0["ip_prefix"])
        }
    }
}
