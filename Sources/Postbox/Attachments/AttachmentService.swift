import Foundation
import NIOPosix

/// Uploads and downloads of damage photos and documents (issue 8): the type is decided by the
/// bytes, metadata is removed before anything is stored, the name is screened like other free
/// text, and the content is encrypted chunk by chunk. Reading follows the ticket's rules and is
/// audited.
public struct AttachmentService: Sendable {
    let attachments: any AttachmentRepository
    let tickets: any TicketRepository
    let audit: any AuditLog
    let settings: AttachmentSettings
    let screener: EntryScreener
    let limiter: WriteRateLimiter
    let termsVersion: String
    let now: Now

    public init(
        attachments: any AttachmentRepository, tickets: any TicketRepository, audit: any AuditLog,
        settings: AttachmentSettings, screener: EntryScreener, limiter: WriteRateLimiter, termsVersion: String,
        now: @escaping Now
    ) {
        self.limiter = limiter
        self.attachments = attachments
        self.tickets = tickets
        self.audit = audit
        self.settings = settings
        self.screener = screener
        self.termsVersion = termsVersion
        self.now = now
    }

    static let notFound = PostboxError(.notFound, detail: "no such attachment")

    func requireConsent(_ principal: Principal) throws {
        try ConsentRule(currentVersion: termsVersion).requireAccepted(principal)
    }

    /// Proof that a principal may upload to a ticket, checked once, before the body is read.
    /// Only ``authorizeUpload(ticketID:by:)`` makes one; the store checks existence and
    /// restriction again inside the write.
    public struct UploadPermit: Sendable {
        let ticketID: String
        let principal: Principal
    }

    /// Whether `principal` may upload to `ticketID` (checked before the body is read).
    public func authorizeUpload(ticketID: String, by principal: Principal) async throws -> UploadPermit {
        try requireConsent(principal)
        guard let scope = try await tickets.scope(ticketID: ticketID),
            ReplyTicketRule().permits(principal, scope.unrestricted)
        else { throw TicketService.notFound }
        if scope.restricted { throw PostboxError.subjectRestricted }
        return UploadPermit(ticketID: ticketID, principal: principal)
    }

    /// Stores a file on a ticket: type by magic bytes (415 when it is not JPEG, PNG or PDF or not
    /// the declared type), metadata removed (422 for corrupt files), name screened.
    public func upload(
        _ permit: UploadPermit, declaredType: String?, fileName: String?, content: [UInt8],
        acknowledgeSpecialCategories: Bool = false, channel: String, ipPrefix: String?
    ) async throws -> (Attachment, [FieldFinding]) {
        let (ticketID, principal) = (permit.ticketID, permit.principal)
        try limiter.acquire(userID: principal.userID, now: now())
        guard let type = AttachmentType.sniff(content) else {
            throw PostboxError(.unsupportedMediaType, detail: "only JPEG and PNG photos and PDF documents are accepted")
        }
        let declared = declaredType?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard declared == type.rawValue else {
            throw PostboxError(
                .unsupportedMediaType,
                detail:
                    "the file is \(type.rawValue), not \(declared ?? "of the declared type"); send it with Content-Type \(type.rawValue)"
            )
        }
        let name = try cleanName(fileName, type: type)
        let stripped: StrippedFile
        do {
            // Off Swift's cooperative threads: rewriting a 10 MB PDF takes about 0.3 s of CPU
            // (qpdf), which would hold back every request scheduled on that thread meanwhile.
            stripped = try await NIOThreadPool.singleton.runIfActive { try MetadataStripper.strip(content, as: type) }
        } catch let error as UnreadableFile {
            throw PostboxError(.unreadableFile, detail: error.reason)
        }
        let screening = try screener.screen(
            [("fileName", name)], role: principal.role, acknowledged: acknowledgeSpecialCategories, holdable: false)[0]
        let attachment = try await attachments.create(
            ticketID: ticketID, name: name, type: type, original: content, stripped: stripped,
            screening: screening.flagged ? screening : nil,
            origin: Origin(
                authorID: principal.userID, role: principal.role, organisationID: principal.organisationID,
                channel: channel, ipPrefix: ipPrefix, createdAt: now()),
            maxPerTicket: settings.maxPerTicket,
            audit: .by(principal.actor(ipPrefix: ipPrefix), .attachmentCreated, objectType: "attachment"))
        return (attachment, [screening].fieldFindings)
    }

    /// A file name on one line, at most 200 characters, without path separators; a default when none was given.
    func cleanName(_ raw: String?, type: AttachmentType) throws -> String {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else {
            return "attachment.\(type.fileExtension)"
        }
        let base = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? raw
        guard let name = FreeText.clean(base, multiline: false, maxLength: 200), !name.isEmpty else {
            throw PostboxError.invalid([.init(field: "fileName", message: "1-200 printable characters on one line")])
        }
        return name
    }

    /// The attachments of a ticket the principal may read.
    public func list(ticketID: String, by principal: Principal) async throws -> [Attachment] {
        try requireConsent(principal)
        guard let scope = try await tickets.scope(ticketID: ticketID), ReadTicketRule().permits(principal, scope) else {
            throw TicketService.notFound
        }
        return try await attachments.attachments(ticketID: ticketID)
    }

    /// An attachment and its content for whoever may read its ticket; the download is audited.
    public func download(id: String, by principal: Principal, ipPrefix: String?) async throws
        -> (Attachment, any AttachmentContent)
    {
        try requireConsent(principal)
        guard let (attachment, scope) = try await attachments.attachment(id: id),
            ReadTicketRule().permits(principal, scope)
        else { throw Self.notFound }
        let content = try await attachments.content(id: id)
        try await audit.record(
            .by(principal.actor(ipPrefix: ipPrefix), .attachmentRead, objectType: "attachment", objectID: id))
        return (attachment, content)
    }
}
