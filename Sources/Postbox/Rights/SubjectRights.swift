import Foundation

/// A subject as the data-protection officer finds it: what is stored about it, by kind.
public struct SubjectSummary: Sendable, Equatable, Codable {
    public var id: String
    public var createdAt: Date
    public var restrictedAt: Date?
    public var erasedAt: Date?
    /// The identifier kinds that matched the search.
    public var matchedBy: [IdentifierKind]
    public var accounts: Int
    public var contracts: Int
    public var referrals: Int
    public var tickets: Int
    public var messages: Int
    /// Contract and referral numbers of the subject, to recognise the case.
    public var references: [SubjectExport.ReferenceRef]
}

/// What an erasure did: erased entries, and retained ones with the reason and the date they go.
public struct ErasureReport: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        /// `account`, `referral`, `ticket`, `messages`, `review-items`, `identifiers`, `contract`, `audit-events`.
        public var type: String
        public var id: String?
        public var reference: String?
        public var count: Int?
        /// Why a retained entry stays (empty for erased ones).
        public var reason: String?
        /// When a retained entry will be purged; nil while its hold has no end date yet.
        public var until: Date?

        public init(
            type: String, id: String? = nil, reference: String? = nil, count: Int? = nil, reason: String? = nil,
            until: Date? = nil
        ) {
            self.type = type
            self.id = id
            self.reference = reference
            self.count = count
            self.reason = reason
            self.until = until
        }
    }

    public var subjectId: String
    public var erasedAt: Date
    public var erased: [Entry]
    public var retained: [Entry]
    public var notes: [String]
}

/// Counts of what one retention run removed (or would remove, in a dry run).
public struct PurgeReport: Sendable, Equatable, Codable {
    public var dryRun: Bool
    public var at: Date
    public var auditEvents = 0
    public var sessions = 0
    public var closedTickets = 0
    /// Tickets kept under a legal hold after erasure whose hold ended.
    public var heldTickets = 0
    public var referralsWithoutTicket = 0
    public var activationCodes = 0
    /// Subjects nothing refers to any more (their blind indexes go with them).
    public var subjects = 0

    public init(dryRun: Bool, at: Date) {
        self.dryRun = dryRun
        self.at = at
    }

    /// Whether anything was (or would be) removed.
    public var isEmpty: Bool {
        auditEvents + sessions + closedTickets + heldTickets + referralsWithoutTicket + activationCodes + subjects == 0
    }
}

/// Storage of the data-subject rights: search, export, restriction, erasure and retention.
public protocol SubjectRepository: Sendable {
    /// Subjects any of whose blind indexes matches one of `identifiers`.
    func search(_ identifiers: [SubjectIdentifier]) async throws -> [SubjectSummary]
    func summary(id: String) async throws -> SubjectSummary?
    /// Whether the subject exists (cheap, unlike ``summary(id:)`` which counts its entries).
    func exists(id: String) async throws -> Bool
    /// Streams every entry about the subject into `consumer`, from one consistent snapshot.
    func export<Consumer: ExportConsumer>(
        subjectID: String, header: @Sendable (SubjectExport.Subject) -> SubjectExport.Header,
        into consumer: inout Consumer
    ) async throws
    func setRestricted(subjectID: String, _ restricted: Bool, audit: AuditDraft) async throws -> SubjectSummary
    func erase(subjectID: String, retention: RetentionSettings, audit: AuditDraft) async throws -> ErasureReport
    /// Removes what `retention` says has expired; a dry run counts and changes nothing.
    func purge(retention: RetentionSettings, dryRun: Bool, audit: AuditDraft) async throws -> PurgeReport
}
