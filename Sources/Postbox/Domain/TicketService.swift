import Foundation

/// Ticket threads: opening, listing, reading, replying, status and assignment, rectification.
///
/// Every decision goes through the rules in `Policy/`; an object the caller may not see is
/// reported as not found. Reads of content are audited.
public struct TicketService: Sendable {
    let tickets: any TicketRepository
    let references: any ReferenceRepository
    let audit: any AuditLog
    let settings: TicketSettings
    let screener: EntryScreener
    let limiter: WriteRateLimiter
    let termsVersion: String
    let now: Now

    public init(
        tickets: any TicketRepository, references: any ReferenceRepository, audit: any AuditLog,
        settings: TicketSettings, screener: EntryScreener, limiter: WriteRateLimiter, termsVersion: String,
        now: @escaping Now
    ) {
        self.limiter = limiter
        self.tickets = tickets
        self.references = references
        self.audit = audit
        self.settings = settings
        self.screener = screener
        self.termsVersion = termsVersion
        self.now = now
    }


    static let notFound = PostboxError(.notFound, detail: "no such ticket")

    /// Ticket and message endpoints need the current terms accepted.
    func requireConsent(_ principal: Principal) throws {
        try ConsentRule(currentVersion: termsVersion).requireAccepted(principal)
    }

    func origin(_ principal: Principal, channel: String, ipPrefix: String?) -> Origin {
        Origin(
            authorID: principal.userID, role: principal.role, organisationID: principal.organisationID, channel: channel,
            ipPrefix: ipPrefix, createdAt: now())
    }

    func cleanTitle(_ raw: String) throws -> String {
        guard let text = FreeText.clean(raw, multiline: false, maxLength: settings.text.titleMaxLength), !text.isEmpty
        else {
            throw PostboxError.invalid([
                .init(field: "subject", message: "1-\(settings.text.titleMaxLength) printable characters on one line")
            ])
        }
        return text
    }

    func cleanBody(_ raw: String) throws -> String {
        guard let text = FreeText.clean(raw, multiline: true, maxLength: settings.text.bodyMaxLength), !text.isEmpty
        else {
            throw PostboxError.invalid([
                .init(field: "body", message: "1-\(settings.text.bodyMaxLength) characters without control characters")
            ])
        }
        return text
    }

    // MARK: - Tickets

    /// Opens a ticket on a reference with its first message.
    public func open(
        referenceKind: ReferenceKind, referenceNumber: String, subject: String, body: String,
        acknowledgeSpecialCategories: Bool = false, by principal: Principal, channel: String, ipPrefix: String?
    ) async throws -> (Ticket, Message, [FieldFinding]) {
        try requireConsent(principal)
        try limiter.acquire(userID: principal.userID, now: now())
        let title = try cleanTitle(subject)
        let text = try cleanBody(body)
        let number = referenceKind == .contract ? Identifier.policyNumber(referenceNumber) ?? referenceNumber : referenceNumber
        guard let (referenceID, scope) = try await references.scope(kind: referenceKind, number: number),
            OpenTicketRule().permits(principal, scope.unrestricted)
        else { throw PostboxError(.notFound, detail: "no such reference") }
        // Those who could otherwise write are told why they cannot.
        if scope.restricted { throw PostboxError.subjectRestricted }
        let screenings = try screener.screen(
            [("subject", title), ("body", text)], role: principal.role, acknowledged: acknowledgeSpecialCategories,
            holdable: true)
        let (ticket, message) = try await tickets.create(
            referenceID: referenceID, subjectID: scope.subjectID, title: title, body: text, screenings: screenings,
            origin: origin(principal, channel: channel, ipPrefix: ipPrefix),
            audit: .by(principal.actor(ipPrefix: ipPrefix), .ticketCreated, objectType: "ticket"))
        return (ticket, message, screenings.fieldFindings)
    }

    /// Tickets the principal may see, newest activity first, with the cursor of the next page.
    public func list(by principal: Principal, status: TicketStatus?, cursor: String?, limit: Int) async throws
        -> (tickets: [Ticket], next: String?)
    {
        try requireConsent(principal)
        guard (1...100).contains(limit) else {
            throw PostboxError.invalid([.init(field: "limit", message: "must be 1-100")])
        }
        var after: TicketCursor?
        if let cursor {
            guard let bytes = Base64URL.decode(cursor), let decoded = try? JSONDecoder().decode(TicketCursor.self, from: Data(bytes))
            else { throw PostboxError.invalid([.init(field: "cursor", message: "not a cursor from this API")]) }
            after = decoded
        }
        let page = try await tickets.list(for: principal, status: status, after: after, limit: limit)
        let next = page.tickets.count == limit
            ? page.cursors.last.flatMap { try? JSONEncoder().encode($0) }.map { Base64URL.encode([UInt8]($0)) } : nil
        return (page.tickets, next)
    }

    /// A ticket the principal may read (404 otherwise); the read is audited.
    public func ticket(id: String, by principal: Principal, ipPrefix: String?) async throws -> Ticket {
        try requireConsent(principal)
        guard let scope = try await tickets.scope(ticketID: id), ReadTicketRule().permits(principal, scope),
            let ticket = try await tickets.ticket(id: id)
        else { throw Self.notFound }
        try await audit.record(.by(principal.actor(ipPrefix: ipPrefix), .ticketRead, objectType: "ticket", objectID: id))
        return ticket
    }

    /// Changes status and/or assignee (advisors who may read the ticket).
    public func update(
        id: String, status: TicketStatus?, assigneeID: String??, by principal: Principal, ipPrefix: String?
    ) async throws -> Ticket {
        try requireConsent(principal)
        guard let scope = try await tickets.scope(ticketID: id), ReadTicketRule().permits(principal, scope) else {
            throw Self.notFound
        }
        guard ManageTicketRule().permits(principal, scope) else {
            throw PostboxError(.forbidden, detail: "only advisors change status and assignment")
        }
        guard status != nil || assigneeID != nil else {
            throw PostboxError.invalid([.init(field: "status", message: "give status and/or assigneeId")])
        }
        return try await tickets.update(
            ticketID: id, status: status, assigneeID: assigneeID,
            audit: .by(principal.actor(ipPrefix: ipPrefix), .ticketUpdated, objectType: "ticket"))
    }

    /// The id of the active advisor with `login` (422 when there is none).
    public func advisorID(login: String) async throws -> String {
        guard let id = try await tickets.advisorID(login: login) else {
            throw PostboxError.invalid([.init(field: "assigneeLogin", message: "no such active advisor")])
        }
        return id
    }

    // MARK: - Messages

    /// Replies in a ticket. A member or broker reply sets it `open` (reopening a closed ticket
    /// within the reopen window, 409 after it); an advisor reply sets it `answered`.
    public func reply(
        ticketID: String, body: String, acknowledgeSpecialCategories: Bool = false, by principal: Principal,
        channel: String, ipPrefix: String?
    ) async throws -> (Message, [FieldFinding]) {
        try requireConsent(principal)
        try limiter.acquire(userID: principal.userID, now: now())
        let text = try cleanBody(body)
        // Classified before the write, outside the write lock; a refusal is thrown only after the
        // write found the ticket and the access rule allows it (404 and 409 come before 422).
        let screened = Result {
            try screener.screen(
                [("body", text)], role: principal.role, acknowledged: acknowledgeSpecialCategories, holdable: true)
        }
        let role = principal.role
        let window = TimeInterval(settings.reopenWindowDays * 86_400)
        let current = now()
        let message: Message
        do {
            message = try await tickets.addMessage(
                ticketID: ticketID, body: text, permitted: { ReplyTicketRule().permits(principal, $0.unrestricted) },
                screening: { try screened.get()[0] }, origin: origin(principal, channel: channel, ipPrefix: ipPrefix),
                transition: { status, closedAt in
                    if role == .advisor {
                        if status == .closed { throw PostboxError(.conflict, detail: "the ticket is closed; reopen it first") }
                        return .answered
                    }
                    if status == .closed, current.timeIntervalSince(closedAt ?? current) > window {
                        throw PostboxError(.conflict, detail: "the ticket was closed too long ago; open a new one")
                    }
                    return .open
                },
                audit: .by(principal.actor(ipPrefix: ipPrefix), .messageCreated, objectType: "message"))
        } catch let error as StoreError where error == .notFound {
            throw Self.notFound
        }
        return (message, try screened.get().fieldFindings)
    }

    /// The latest `limit` messages before `before` (sequence number), oldest first. The DPO
    /// also gets earlier revisions of rectified messages. The read is audited.
    ///
    /// For a reader that may still hold the page: when the ticket's messages are at
    /// `unlessVersion`, the answer is ``MessagePageRead/unchanged`` and no message is read or
    /// decrypted. Consent, the access check and the audited read are the same either way. The
    /// DPO's pages are always read.
    public func messagePage(
        ticketID: String, before: Int?, limit: Int, by principal: Principal, ipPrefix: String?,
        unlessVersion: Int64? = nil
    ) async throws -> MessagePageRead {
        try requireConsent(principal)
        guard (1...100).contains(limit) else { throw PostboxError.invalid([.init(field: "limit", message: "must be 1-100")]) }
        guard
            let page = try await tickets.messages(
                ticketID: ticketID, before: before, limit: limit, viewer: principal, unlessVersion: unlessVersion,
                permitted: { ReadTicketRule().permits(principal, $0) })
        else { throw Self.notFound }
        try await audit.record(
            .by(principal.actor(ipPrefix: ipPrefix), .messagesRead, objectType: "ticket", objectID: ticketID))
        return page
    }

    /// Rectifies a message: by its author within the window, or by the DPO. The old text is kept
    /// encrypted as a revision that only the DPO sees.
    public func rectify(
        messageID: String, body: String, reason: String, acknowledgeSpecialCategories: Bool = false,
        by principal: Principal, channel: String = "api", ipPrefix: String?
    ) async throws -> (Message, [FieldFinding]) {
        try requireConsent(principal)
        let text = try cleanBody(body)
        guard let why = FreeText.clean(reason, multiline: false, maxLength: 500), !why.isEmpty else {
            throw PostboxError.invalid([.init(field: "reason", message: "1-500 printable characters")])
        }
        guard let (scope, authorID, createdAt) = try await tickets.messageScope(id: messageID),
            ReadTicketRule().permits(principal, scope)
        else { throw PostboxError(.notFound, detail: "no such message") }
        let within = now().timeIntervalSince(createdAt) <= TimeInterval(settings.rectificationWindowHours * 3600)
        guard RectifyMessageRule().permits(principal, authorID: authorID, withinWindow: within, ticket: scope) else {
            throw PostboxError(.forbidden, detail: "only the author within \(settings.rectificationWindowHours) h, or the DPO, may rectify")
        }
        let screenings = try screener.screen(
            [("body", text)], role: principal.role, acknowledged: acknowledgeSpecialCategories, holdable: true)
        let message = try await tickets.rectify(
            messageID: messageID, body: text, reason: why, screening: screenings[0],
            by: origin(principal, channel: channel, ipPrefix: ipPrefix),
            audit: .by(principal.actor(ipPrefix: ipPrefix), .messageRectified, objectType: "message"))
        return (message, screenings.fieldFindings)
    }
}
