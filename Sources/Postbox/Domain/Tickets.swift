import Foundation

/// Where a ticket stands.
public enum TicketStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for the insurer.
    case open
    /// The advisor answered; waiting for the customer side.
    case answered
    /// Done; a member reply within the reopen window reopens it.
    case closed
}

/// A ticket thread (title decrypted).
public struct Ticket: Sendable, Equatable {
    public var id: String
    public var referenceID: String
    public var referenceKind: ReferenceKind
    public var referenceNumber: String
    public var subjectID: String?
    public var status: TicketStatus
    public var assigneeID: String?
    public var title: String
    public var origin: Origin
    public var lastActivityAt: Date
}

/// A message in a thread (body decrypted).
public struct Message: Sendable, Equatable {
    public var id: String
    public var ticketID: String
    public var seq: Int
    public var body: String
    public var origin: Origin
    public var editedAt: Date?
    /// Earlier versions, oldest first; filled only for the data-protection officer.
    public var revisions: [MessageRevision]
    /// Hidden from other parties until the DPO keeps it.
    public var held: Bool = false
    /// Special categories found when it was written.
    public var categories: [SpecialCategory] = []
}

/// A page of a thread as the store read it
/// (``TicketService/messagePage(ticketID:before:limit:by:ipPrefix:unlessVersion:)``).
public enum MessagePageRead: Sendable, Equatable {
    /// The page, oldest first, and the version of the ticket's messages it was read at (or
    /// after: the version is read first).
    case page([Message], version: Int64)
    /// The ticket's messages are still at the version the reader asked about: its page stands.
    case unchanged
}

/// A previous version of a rectified message.
public struct MessageRevision: Sendable, Equatable {
    public var body: String
    public var reason: String?
    public var revisedBy: String?
    public var createdAt: Date
}

/// What access control needs to know about a ticket, without decrypting anything.
public struct TicketScope: Sendable, Equatable {
    public var ticketID: String
    public var referenceKind: ReferenceKind
    /// The organisation of the reference (a referral's broker firm).
    public var referenceOrganisationID: String?
    /// The advisor of the reference (a contract's advisor).
    public var referenceAdvisorID: String?
    public var subjectID: String?
    public var assigneeID: String?
    public var restricted: Bool

    public init(
        ticketID: String, referenceKind: ReferenceKind, referenceOrganisationID: String?, referenceAdvisorID: String?,
        subjectID: String?, assigneeID: String?, restricted: Bool = false
    ) {
        self.ticketID = ticketID
        self.referenceKind = referenceKind
        self.referenceOrganisationID = referenceOrganisationID
        self.referenceAdvisorID = referenceAdvisorID
        self.subjectID = subjectID
        self.assigneeID = assigneeID
        self.restricted = restricted
    }
}

/// Limits of free text, from configuration.
public struct TextLimits: Sendable, Codable, Equatable {
    /// Maximum characters of a ticket title.
    public var titleMaxLength: Int = 200
    /// Maximum characters of a message body.
    public var bodyMaxLength: Int = 20_000
    /// Maximum characters of referral remarks.
    public var remarksMaxLength: Int = 2_000

    public init() {}
}

/// Ticket behaviour settings.
public struct TicketSettings: Sendable, Codable, Equatable {
    /// Days after closing within which a member reply reopens a ticket (409 afterwards).
    public var reopenWindowDays: Int = 30
    /// Hours within which authors may rectify their own messages.
    public var rectificationWindowHours: Int = 24
    /// Prefix of referral service numbers.
    public var serviceNumberPrefix: String = "SV-"
    public var text = TextLimits()

    public init() {}
}
