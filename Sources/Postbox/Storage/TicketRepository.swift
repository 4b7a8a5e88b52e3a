import Foundation
import GRDB

/// Position in the ticket list (newest activity first).
public struct TicketCursor: Sendable, Equatable, Codable {
    public let lastActivity: String
    public let id: String
}

/// Tickets and messages; titles, bodies and revisions are sealed under the ticket's data key.
public protocol TicketRepository: Sendable {
    func create(
        referenceID: String, subjectID: String?, title: String, body: String, screenings: [Screening], origin: Origin,
        audit: AuditDraft
    ) async throws -> (Ticket, Message)
    func scope(ticketID: String) async throws -> TicketScope?
    func ticket(id: String) async throws -> Ticket?
    /// Tickets `principal` may see (filtered in SQL by role), newest activity first.
    func list(for principal: Principal, status: TicketStatus?, after: TicketCursor?, limit: Int) async throws
        -> (tickets: [Ticket], cursors: [TicketCursor])
    /// Appends a message to a ticket `permitted` allows. The ticket's scope is read in the write
    /// itself: no ticket or a refusal throws ``StoreError/notFound``, a restricted subject 409.
    /// Only then is `screening` asked for its result, so a refused text (422) never tells apart
    /// tickets the caller may not see. `transition` gets the current status and closing time and
    /// returns the new status.
    func addMessage(
        ticketID: String, body: String, permitted: @escaping @Sendable (TicketScope) -> Bool,
        screening: @escaping @Sendable () throws -> Screening, origin: Origin,
        transition: @escaping @Sendable (TicketStatus, Date?) throws -> TicketStatus, audit: AuditDraft
    ) async throws -> Message
    /// Messages of a ticket; held messages only for their author and the DPO (`viewer`). Nil when
    /// there is no such ticket or `permitted` refuses its scope (checked in the same read).
    ///
    /// With `unlessVersion`, a ticket whose messages are still at that version (schema v8) is
    /// answered ``MessagePageRead/unchanged`` without reading them; the scope is checked all
    /// the same. The DPO's pages carry revisions, which the version does not count: for the DPO
    /// the page is always read.
    func messages(
        ticketID: String, before: Int?, limit: Int, viewer: Principal, unlessVersion: Int64?,
        permitted: @escaping @Sendable (TicketScope) -> Bool
    ) async throws -> MessagePageRead?
    func update(ticketID: String, status: TicketStatus?, assigneeID: String??, audit: AuditDraft) async throws -> Ticket
    /// The id of the active advisor with `login`, or nil.
    func advisorID(login: String) async throws -> String?
    func messageScope(id: String) async throws -> (ticket: TicketScope, authorID: String?, createdAt: Date)?
    func rectify(
        messageID: String, body: String, reason: String, screening: Screening, by origin: Origin, audit: AuditDraft
    ) async throws -> Message
}

/// ``TicketRepository`` over the SQLite store.
public struct GRDBTicketRepository: TicketRepository {
    let store: PostboxStore
    let now: Now

    public init(store: PostboxStore, now: @escaping Now = systemNow) {
        self.store = store
        self.now = now
    }

    static func location(_ table: String, _ id: String, _ field: String) -> FieldLocation {
        FieldLocation(table: table, rowID: id, field: field)
    }

    private func append(_ db: Database, _ audit: AuditDraft, objectID: String) throws {
        var record = audit
        record.objectID = objectID
        try GRDBAuditLog.append(db, record, at: now(), key: store.systemKeys.audit)
    }

    // MARK: - Tickets

    public func create(
        referenceID: String, subjectID: String?, title: String, body: String, screenings: [Screening], origin: Origin,
        audit: AuditDraft
    ) async throws -> (Ticket, Message) {
        let titleScreening = screenings.first { $0.field == "subject" }
        let bodyScreening = screenings.first { $0.field == "body" }
        let ticketID = TimeOrderedID.make()
        let messageID = TimeOrderedID.make()
        return try await store.write { db in
            try GRDBSubjectRepository.requireUnrestricted(db, subjectID: subjectID)
            let dataKey = try store.vault.createDataKey(db, purpose: "ticket")
            let sealedTitle = Data(dataKey.key.seal(title, at: Self.location("tickets", ticketID, "title")))
            try db.run(
                literal: """
                    INSERT INTO tickets (id, ref_id, subject_id, status, data_key_id, title, author_id, author_role,
                                         organisation_id, channel, ip_prefix, created_at, last_activity_at,
                                         special_categories)
                    VALUES (\(ticketID), \(referenceID), \(subjectID), \(TicketStatus.open.rawValue), \(dataKey.id),
                            \(sealedTitle), \(origin.authorID), \(origin.role?.rawValue), \(origin.organisationID),
                            \(origin.channel), \(origin.ipPrefix), \(origin.createdAt), \(origin.createdAt),
                            \(titleScreening?.storedCategories))
                    """)
            if let titleScreening {
                try ReviewQueueWriter.insert(
                    db, objectType: "ticket", objectID: ticketID, ticketID: ticketID, referenceID: referenceID,
                    subjectID: subjectID, screening: titleScreening, origin: origin)
            }
            try insertMessage(
                db, id: messageID, ticketID: ticketID, seq: 1, body: body, key: dataKey.key, origin: origin,
                screening: bodyScreening, subjectID: subjectID)
            try append(db, audit, objectID: ticketID)
            guard let ticket = try fetchTicket(db, id: ticketID) else { throw StoreError.notFound }
            let message = Message(
                id: messageID, ticketID: ticketID, seq: 1, body: body, origin: origin, editedAt: nil,
                revisions: [], held: bodyScreening?.hold ?? false,
                categories: bodyScreening?.categories ?? [])
            return (ticket, message)
        }
    }

    private func insertMessage(
        _ db: Database, id: String, ticketID: String, seq: Int, body: String, key: SecretKey, origin: Origin,
        screening: Screening?, subjectID: String?
    ) throws {
        let sealed = Data(key.seal(body, at: Self.location("messages", id, "body")))
        try db.run(
            sql: """
                INSERT INTO messages (id, ticket_id, seq, body, author_id, author_role, organisation_id, channel,
                                      ip_prefix, created_at, held, special_categories)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            [id, ticketID, seq, sealed, origin.authorID, origin.role?.rawValue ?? "system", origin.organisationID,
             origin.channel, origin.ipPrefix, StoredTimestamp.text(origin.createdAt), screening?.hold ?? false,
             screening?.storedCategories])
        if let screening {
            try ReviewQueueWriter.insert(
                db, objectType: "message", objectID: id, ticketID: ticketID, referenceID: nil, subjectID: subjectID,
                screening: screening, origin: origin)
        }
    }

    static let scopeColumnsText = """
        t.id, t.status, t.assignee_id, t.subject_id, t.data_key_id, t.title, t.author_id, t.author_role,
        t.organisation_id, t.channel, t.ip_prefix, t.created_at, t.last_activity_at, t.closed_at,
        t.ref_id, t.ref_kind, t.ref_number, t.ref_organisation_id, t.ref_advisor_id, t.subject_restricted_at
        """

    /// ``scopeColumnsText`` with the ticket's wrapped data key (`key_master`, `key_wrapped`), and the
    /// join it needs: one statement gives a ticket, its access scope and its key. The scope's
    /// reference and subject fields are the ticket's own copies (schema v7, kept in step by
    /// triggers), so no reference or subject is looked up.
    static let ticketWithKeyFromText = """
        \(scopeColumnsText), k.master_key_id AS key_master, k.wrapped AS key_wrapped
        FROM tickets t LEFT JOIN data_keys k ON k.id = t.data_key_id
        """
    static let ticketWithKeySQL = "SELECT \(ticketWithKeyFromText) WHERE t.id = ?"
    /// ``ticketWithKeySQL`` and the ticket's version (``ScopeColumn/version``), for reading a page.
    static let ticketWithKeyAndVersionSQL = """
        SELECT \(scopeColumnsText), k.master_key_id AS key_master, k.wrapped AS key_wrapped, t.version
        FROM tickets t LEFT JOIN data_keys k ON k.id = t.data_key_id WHERE t.id = ?
        """
    static let scopeSQL = "SELECT \(scopeColumnsText) FROM tickets t WHERE t.id = ?"

    /// Positions in ``scopeColumnsText`` and the two key columns ``ticketWithKeyFromText`` adds.
    /// Rows are read by position on the request paths (a lookup by name lower-cases and hashes
    /// the name); `offset` is where those columns start in a statement's row.
    enum ScopeColumn {
        static let id = 0, status = 1, assigneeID = 2, subjectID = 3, dataKeyID = 4, title = 5, authorID = 6
        static let authorRole = 7, organisationID = 8, channel = 9, ipPrefix = 10, createdAt = 11
        static let lastActivityAt = 12, closedAt = 13
        static let referenceID = 14, referenceKind = 15, referenceNumber = 16, referenceOrganisation = 17
        static let referenceAdvisor = 18, restrictedAt = 19
        static let keyMaster = 20, keyWrapped = 21
        /// In ``ticketWithKeyAndVersionSQL`` only.
        static let version = 22
    }

    /// The data key of a row of ``ticketWithKeyFromText`` whose columns start at `offset`.
    func dataKey(_ row: StatementRow, at offset: Int = 0) throws -> SecretKey {
        try store.vault.unwrap(
            masterKeyID: row[offset + ScopeColumn.keyMaster], wrapped: row[offset + ScopeColumn.keyWrapped],
            id: row[offset + ScopeColumn.dataKeyID])
    }

    public func scope(ticketID: String) async throws -> TicketScope? {
        try await store.readStatement { db in
            try db.withFirstRow(sql: Self.scopeSQL, [ticketID]) { Self.scope($0) }
        }
    }

    /// The access scope of a row whose ``scopeColumnsText`` start at `offset`.
    static func scope(_ row: StatementRow, at offset: Int = 0) -> TicketScope {
        TicketScope(
            ticketID: row[offset + ScopeColumn.id],
            referenceKind: ReferenceKind(rawValue: row[offset + ScopeColumn.referenceKind]) ?? .contract,
            referenceOrganisationID: row[offset + ScopeColumn.referenceOrganisation],
            referenceAdvisorID: row[offset + ScopeColumn.referenceAdvisor], subjectID: row[offset + ScopeColumn.subjectID],
            assigneeID: row[offset + ScopeColumn.assigneeID], restricted: !row.hasNull(atIndex: offset + ScopeColumn.restrictedAt))
    }

    public func ticket(id: String) async throws -> Ticket? {
        try await store.writer.read { db in try fetchTicket(db, id: id) }
    }

    private func fetchTicket(_ db: Database, id: String) throws -> Ticket? {
        let statement = try db.cachedStatement(sql: Self.ticketWithKeySQL)
        return try Database.withFirstRow(of: statement, [id]) { try decodeTicket($0, of: statement) }
    }

    /// The ticket in the current row of `statement` (a row of ``ticketWithKeyFromText`` whose columns
    /// start at `offset`), by position; the title is decrypted out of SQLite's buffer.
    private func decodeTicket(_ row: StatementRow, of statement: Statement, at offset: Int = 0) throws -> Ticket {
        typealias Column = ScopeColumn
        let id: String = row[offset + Column.id]
        let key = try dataKey(row, at: offset)
        let title = try statement.openText(
            atColumn: offset + Column.title, key: key, at: Self.location("tickets", id, "title"))
        let origin = Origin(
            authorID: row[offset + Column.authorID],
            role: (row[offset + Column.authorRole] as String?).flatMap(Role.init(rawValue:)),
            organisationID: row[offset + Column.organisationID], channel: row[offset + Column.channel],
            ipPrefix: row[offset + Column.ipPrefix],
            createdAt: statement.storedDate(atColumn: offset + Column.createdAt) ?? row[offset + Column.createdAt])
        return Ticket(
            id: id, referenceID: row[offset + Column.referenceID],
            referenceKind: ReferenceKind(rawValue: row[offset + Column.referenceKind]) ?? .contract,
            referenceNumber: row[offset + Column.referenceNumber], subjectID: row[offset + Column.subjectID],
            status: TicketStatus(rawValue: row[offset + Column.status]) ?? .open,
            assigneeID: row[offset + Column.assigneeID], title: title, origin: origin,
            lastActivityAt: statement.storedDate(atColumn: offset + Column.lastActivityAt)
                ?? row[offset + Column.lastActivityAt])
    }

    static func categories(_ stored: String?) -> [SpecialCategory] {
        (stored ?? "").split(separator: ",").compactMap { SpecialCategory(rawValue: String($0)) }
    }

    static func origin(_ row: Row) -> Origin {
        Origin(
            authorID: row["author_id"], role: (row["author_role"] as String?).flatMap(Role.init(rawValue:)),
            organisationID: row["organisation_id"], channel: row["channel"], ipPrefix: row["ip_prefix"],
            createdAt: row["created_at"])
    }

    public func list(for principal: Principal, status: TicketStatus?, after: TicketCursor?, limit: Int) async throws
        -> (tickets: [Ticket], cursors: [TicketCursor])
    {
        // One SQL text per shape (role, status filter, page) with the values as arguments, so
        // the statement comes from the connection's cache.
        var sql = "SELECT t.last_activity_at AS activity_text, \(Self.ticketWithKeyFromText) WHERE "
        var arguments: StatementArguments
        switch principal.role {
        case .member:
            sql += "t.subject_id = ? AND t.subject_restricted_at IS NULL"
            arguments = [principal.subjectID ?? ""]
        case .broker:
            sql += "t.ref_kind = 'referral' AND t.ref_organisation_id = ? AND t.subject_restricted_at IS NULL"
            arguments = [principal.organisationID ?? ""]
        case .advisor:
            sql += "(t.assignee_id IS NULL OR t.assignee_id = ? OR t.ref_advisor_id = ?) AND t.subject_restricted_at IS NULL"
            arguments = [principal.userID, principal.userID]
        case .dpo:
            sql += "1 = 1"
            arguments = []
        case .admin:
            return ([], [])
        }
        if let status {
            sql += " AND t.status = ?"
            arguments += [status.rawValue]
        }
        if let after {
            sql += " AND (t.last_activity_at < ? OR (t.last_activity_at = ? AND t.id < ?))"
            arguments += [after.lastActivity, after.lastActivity, after.id]
        }
        sql += " ORDER BY t.last_activity_at DESC, t.id DESC LIMIT ?"
        arguments += [limit]
        return try await store.writer.read { [sql, arguments] db in
            let statement = try db.cachedStatement(sql: sql)
            let rows = try StatementRowCursor(statement, arguments: arguments)
            var tickets: [Ticket] = []
            var cursors: [TicketCursor] = []
            tickets.reserveCapacity(limit)
            cursors.reserveCapacity(limit)
            // `activity_text` comes first, the ticket's columns after it.
            while let row = try rows.next() {
                guard ReadTicketRule().permits(principal, Self.scope(row, at: 1)) else { continue }
                tickets.append(try decodeTicket(row, of: statement, at: 1))
                cursors.append(TicketCursor(lastActivity: row[0], id: row[1 + ScopeColumn.id]))
            }
            return (tickets, cursors)
        }
    }

    public func update(ticketID: String, status: TicketStatus?, assigneeID: String??, audit: AuditDraft) async throws
        -> Ticket
    {
        try await store.write { db in
            if let status {
                let closedAt: Date? = status == .closed ? now() : nil
                try db.run(
                    literal: "UPDATE tickets SET status = \(status.rawValue), closed_at = \(closedAt) WHERE id = \(ticketID)")
            }
            if let assigneeID {
                if let assignee = assigneeID {
                    let role = try String.fetchOne(
                        db, SQLRequest(cachedLiteral: "SELECT role FROM users WHERE id = \(assignee) AND status = 'active'"))
                    guard role == Role.advisor.rawValue else {
                        throw PostboxError.invalid([.init(field: "assigneeId", message: "no such active advisor")])
                    }
                }
                try db.run(literal: "UPDATE tickets SET assignee_id = \(assigneeID) WHERE id = \(ticketID)")
            }
            try append(db, audit, objectID: ticketID)
            guard let ticket = try fetchTicket(db, id: ticketID) else { throw StoreError.notFound }
            return ticket
        }
    }

    public func advisorID(login: String) async throws -> String? {
        try await store.writer.read { db in
            try String.fetchOne(
                db,
                SQLRequest(cachedLiteral: "SELECT id FROM users WHERE login = \(login) AND role = 'advisor' AND status = 'active'"))
        }
    }

    // MARK: - Messages

    /// What posting needs to know, in one statement: the ticket's scope, its wrapped data key
    /// and the last sequence number.
    static let postingSQL = """
        SELECT (SELECT MAX(seq) FROM messages WHERE ticket_id = t.id) AS last_seq, \(ticketWithKeyFromText)
        WHERE t.id = ?
        """

    public func addMessage(
        ticketID: String, body: String, permitted: @escaping @Sendable (TicketScope) -> Bool,
        screening: @escaping @Sendable () throws -> Screening, origin: Origin,
        transition: @escaping @Sendable (TicketStatus, Date?) throws -> TicketStatus, audit: AuditDraft
    ) async throws -> Message {
        let messageID = TimeOrderedID.make()
        return try await store.write { db in
            // `last_seq` comes first, the ticket's columns after it.
            let read = try db.withFirstRow(sql: Self.postingSQL, [ticketID]) { row in
                let scope = Self.scope(row, at: 1)
                // For a caller the reply rule refuses nothing more is read (no key unwrapped).
                return permitted(scope)
                    ? (
                        scope: scope,
                        status: TicketStatus(rawValue: row[1 + ScopeColumn.status]) ?? .open,
                        closedAt: row[1 + ScopeColumn.closedAt] as Date?,
                        key: try dataKey(row, at: 1),
                        lastSeq: row[0] as Int? ?? 0
                    ) : nil
            }
            guard let posting = read ?? nil else { throw StoreError.notFound }
            if posting.scope.restricted { throw PostboxError.subjectRestricted }
            let screening = try screening()
            let next = try transition(posting.status, posting.closedAt)
            let seq = posting.lastSeq + 1
            try insertMessage(
                db, id: messageID, ticketID: ticketID, seq: seq, body: body, key: posting.key, origin: origin,
                screening: screening, subjectID: posting.scope.subjectID)
            let activity = StoredTimestamp.text(origin.createdAt)
            if next == posting.status {
                // Most replies leave the status as it is; then `tickets_on_closed` is not touched.
                try db.run(sql: "UPDATE tickets SET last_activity_at = ? WHERE id = ?", [activity, ticketID])
            } else {
                let closedAt: Date? = next == .closed ? posting.closedAt : nil
                try db.run(
                    sql: "UPDATE tickets SET status = ?, closed_at = ?, last_activity_at = ? WHERE id = ?",
                    [next.rawValue, closedAt.map(StoredTimestamp.text), activity, ticketID])
            }
            try append(db, audit, objectID: messageID)
            return Message(
                id: messageID, ticketID: ticketID, seq: seq, body: body, origin: origin, editedAt: nil,
                revisions: [], held: screening.hold, categories: screening.categories)
        }
    }

    public func messages(
        ticketID: String, before: Int?, limit: Int, viewer: Principal, unlessVersion: Int64?,
        permitted: @escaping @Sendable (TicketScope) -> Bool
    ) async throws -> MessagePageRead? {
        let includeRevisions = viewer.role == .dpo
        let unlessVersion = includeRevisions ? nil : unlessVersion
        // The ticket row and a page are read outside a transaction (a ticket's data key never
        // changes), unless the DPO's revisions are read too (they must agree with the page).
        // The version is read before the page: should a write commit in between, the page is
        // newer than its version says, and the next read finds the version changed.
        let read: @Sendable (Database) throws -> MessagePageRead? = { db in
            // The ticket's scope for the access check, its version and its wrapped data key, in
            // one statement; the key is unwrapped only when the page is read.
            enum Found { case refused, unchanged, read(SecretKey, version: Int64) }
            let ticket = try db.withFirstRow(sql: Self.ticketWithKeyAndVersionSQL, [ticketID]) { row -> Found in
                guard permitted(Self.scope(row)) else { return .refused }
                let version: Int64 = row[ScopeColumn.version]
                if version == unlessVersion { return .unchanged }
                return .read(try dataKey(row), version: version)
            }
            let key: SecretKey, version: Int64
            switch ticket {
            case nil, .refused: return nil
            case .unchanged: return .unchanged
            case .read(let found, let foundVersion): (key, version) = (found, foundVersion)
            }
            // Columns by position: a page decodes hundreds of values, and a lookup by name costs
            // a lower-casing and a hash each.
            var sql = """
                SELECT id, seq, body, author_id, author_role, organisation_id, channel, ip_prefix, created_at,
                       edited_at, held, special_categories
                FROM messages WHERE ticket_id = ?
                """
            var arguments: StatementArguments = [ticketID]
            if viewer.role != .dpo {
                sql += " AND (held = 0 OR author_id = ?)"
                arguments += [viewer.userID]
            }
            if let before {
                sql += " AND seq < ?"
                arguments += [before]
            }
            sql += " ORDER BY seq DESC LIMIT ?"
            arguments += [limit]
            // A cursor hands out the statement's row without copying it; newest first, hence reversed.
            let statement = try db.cachedStatement(sql: sql)
            let page = try StatementRowCursor(statement, arguments: arguments).map { row -> Message in
                let id: String = row[0]
                var revisions: [MessageRevision] = []
                if includeRevisions {
                    revisions = try Row.fetchAll(
                        db,
                        SQLRequest(
                            cachedLiteral: "SELECT * FROM message_revisions WHERE message_id = \(id) ORDER BY created_at, rowid")
                    ).map { rev in
                        let revID: String = rev["id"]
                        return MessageRevision(
                            body: try key.openText(
                                [UInt8](rev["body"] as Data), at: Self.location("message_revisions", revID, "body")),
                            reason: try (rev["reason"] as Data?).map {
                                try key.openText([UInt8]($0), at: Self.location("message_revisions", revID, "reason"))
                            },
                            revisedBy: rev["revised_by"], createdAt: rev["created_at"])
                    }
                }
                let origin = Origin(
                    authorID: row[3], role: (row[4] as String?).flatMap(Role.init(rawValue:)), organisationID: row[5],
                    channel: row[6], ipPrefix: row[7], createdAt: statement.storedDate(atColumn: 8) ?? row[8])
                return Message(
                    id: id, ticketID: ticketID, seq: row[1],
                    body: try statement.openText(atColumn: 2, key: key, at: Self.location("messages", id, "body")),
                    origin: origin, editedAt: statement.storedDate(atColumn: 9) ?? row[9], revisions: revisions, held: row[10],
                    categories: Self.categories(row[11]))
            }
            var messages = try Array(page)
            messages.reverse()  // in place: `reversed()` would copy every message into a new array
            return .page(messages, version: version)
        }
        return includeRevisions ? try await store.writer.read(read) : try await store.readStatement(read)
    }

    public func messageScope(id: String) async throws -> (ticket: TicketScope, authorID: String?, createdAt: Date)? {
        try await store.writer.read { db in
            // The message's author and time first, the ticket's scope after them.
            try db.withFirstRow(
                sql: """
                    SELECT m.author_id, m.created_at, \(Self.scopeColumnsText)
                    FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.id = ?
                    """, [id]
            ) { row in (Self.scope(row, at: 2), row[0], row[1]) }
        }
    }

    public func rectify(
        messageID: String, body: String, reason: String, screening: Screening, by origin: Origin, audit: AuditDraft
    ) async throws -> Message {
        let userID = origin.authorID
        return try await store.write { db in
            let request = SQLRequest<Row>(
                cachedLiteral: """
                    SELECT m.*, t.data_key_id, t.subject_id AS ticket_subject
                    FROM messages m JOIN tickets t ON t.id = m.ticket_id WHERE m.id = \(messageID)
                    """)
            guard let row = try Row.fetchOne(db, request) else { throw StoreError.notFound }
            let key = try store.vault.dataKey(db, id: row["data_key_id"])
            let old = try key.openText([UInt8](row["body"] as Data), at: Self.location("messages", messageID, "body"))
            let revisionID = TimeOrderedID.make()
            let at = now()
            try db.run(
                literal: """
                    INSERT INTO message_revisions (id, message_id, body, reason, revised_by, created_at)
                    VALUES (\(revisionID), \(messageID),
                            \(Data(key.seal(old, at: Self.location("message_revisions", revisionID, "body")))),
                            \(Data(key.seal(reason, at: Self.location("message_revisions", revisionID, "reason")))),
                            \(userID), \(at))
                    """)
            try db.run(
                literal: """
                    UPDATE messages SET body = \(Data(key.seal(body, at: Self.location("messages", messageID, "body")))),
                                        edited_at = \(at), special_categories = \(screening.storedCategories),
                                        held = \(screening.hold)
                    WHERE id = \(messageID)
                    """)
            var reviewOrigin = origin
            reviewOrigin.createdAt = at
            try ReviewQueueWriter.insert(
                db, objectType: "message", objectID: messageID, ticketID: row["ticket_id"], referenceID: nil,
                subjectID: row["ticket_subject"], screening: screening, origin: reviewOrigin)
            try append(db, audit, objectID: messageID)
            return Message(
                id: messageID, ticketID: row["ticket_id"], seq: row["seq"], body: body, origin: Self.origin(row),
                editedAt: at, revisions: [], held: screening.hold, categories: screening.categories)
        }
    }
}
