import Foundation

/// The Art. 15/20 export of one data subject, schema `postbox-export/1` (docs/export-schema.md).
///
/// The export is produced as a stream of ``ExportPart``s in a fixed order (header, accounts,
/// contracts, referrals, tickets with their messages, reviews, audit events), so a subject
/// with many messages is written out page by page and never held in memory whole.
public enum SubjectExport {
    /// Name and version of the document format.
    public static let schema = "postbox-export/1"

    /// Where an entry came from, as the person needs to read it.
    public struct Origin: Sendable, Equatable, Codable {
        public var authorId: String?
        public var role: String?
        /// The organisation the author acted for: the name tells the person where the data came from.
        public var organisation: OrganisationRef?
        public var channel: String
        public var createdAt: Date
        /// Shortened address of the author (IPv4 /24, IPv6 /48), if recorded.
        public var ipPrefix: String?
        /// The referral or contract the entry came through.
        public var reference: ReferenceRef?
    }

    public struct OrganisationRef: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
    }

    public struct ReferenceRef: Sendable, Equatable, Codable {
        public var kind: String
        public var number: String
    }

    public struct Subject: Sendable, Equatable, Codable {
        public var id: String
        public var createdAt: Date
        public var restrictedAt: Date?
        public var erasedAt: Date?
    }

    /// Everything before the entries: who answers, why, to whom, how long.
    public struct Header: Sendable, Equatable, Codable {
        public var schema: String
        public var generatedAt: Date
        public var subject: Subject
        public var controller: PrivacyNotice.Controller
        public var purposes: [PrivacyNotice.Purpose]
        public var recipients: [String]
        public var retention: [RetentionStatement]
        public var supervisoryAuthority: String
        public var notes: [String]
    }

    public struct Consent: Sendable, Equatable, Codable {
        public var version: String
        public var acceptedAt: Date
        public var withdrawnAt: Date?
        public var ipPrefix: String?
    }

    public struct Account: Sendable, Equatable, Codable {
        public var id: String
        public var login: String
        public var role: String
        public var status: String
        public var displayName: String
        public var memberNumber: String?
        public var organisation: OrganisationRef?
        public var createdAt: Date
        public var consents: [Consent]
    }

    public struct Contract: Sendable, Equatable, Codable {
        public var id: String
        public var number: String
        public var holder: Holder
        public var advisorId: String?
        public var endsAt: Date?
        public var origin: Origin
    }

    public struct Referral: Sendable, Equatable, Codable {
        public var id: String
        public var number: String
        public var serviceNumber: String?
        /// Every field the broker entered.
        public var details: ReferralDetails
        public var specialCategories: [SpecialCategory]
        public var origin: Origin
    }

    public struct Ticket: Sendable, Equatable, Codable {
        public var id: String
        public var title: String
        public var status: String
        public var assigneeId: String?
        public var closedAt: Date?
        public var lastActivityAt: Date
        public var specialCategories: [SpecialCategory]
        /// Why the ticket is kept although its subject was erased (a legal hold), if so.
        public var holdReason: String?
        public var origin: Origin
    }

    public struct Revision: Sendable, Equatable, Codable {
        public var body: String
        public var reason: String?
        public var revisedBy: String?
        public var createdAt: Date
    }

    public struct Message: Sendable, Equatable, Codable {
        public var id: String
        public var ticketId: String
        public var seq: Int
        public var body: String
        /// Hidden from other parties until the DPO decided.
        public var held: Bool
        public var specialCategories: [SpecialCategory]
        public var editedAt: Date?
        public var revisions: [Revision]
        public var origin: Origin
    }

    public struct Attachment: Sendable, Equatable, Codable {
        public var id: String
        public var ticketId: String
        public var name: String
        public var contentType: String
        public var size: Int
        /// Kinds of metadata removed on arrival; `metadataRemoved` false when none could be (PDF).
        public var removedMetadata: [String]
        public var metadataRemoved: Bool
        public var specialCategories: [SpecialCategory]
        /// The file, base64 (JSON); in the zip the file itself is `file`.
        public var content: String?
        public var file: String?
        public var origin: Origin
    }

    public struct Review: Sendable, Equatable, Codable {
        public var id: String
        public var objectType: String
        public var objectId: String
        public var field: String?
        public var categories: [SpecialCategory]
        public var status: String
        public var decision: String?
        public var reason: String?
        public var decidedBy: String?
        public var decidedAt: Date?
        public var createdAt: Date
    }

    public struct AuditEntry: Sendable, Equatable, Codable {
        public var seq: Int64
        public var at: Date
        public var userId: String?
        public var role: String?
        public var action: String
        public var objectType: String?
        public var objectId: String?
        public var outcome: String
        public var ipPrefix: String?
    }
}

/// One piece of an export, in document order.
public enum ExportPart: Sendable, Equatable {
    case header(SubjectExport.Header)
    case account(SubjectExport.Account)
    case contract(SubjectExport.Contract)
    case referral(SubjectExport.Referral)
    /// A ticket; its messages follow, then its attachments, then ``ticketEnd``.
    case ticket(SubjectExport.Ticket)
    case message(SubjectExport.Message)
    /// An attachment with its (stripped, decrypted) bytes; renderers decide how to carry them.
    case attachment(SubjectExport.Attachment, content: [UInt8])
    case ticketEnd
    case review(SubjectExport.Review)
    case audit(SubjectExport.AuditEntry)
    case end
}

/// Receives an export part by part (JSON, HTML or zip writers).
public protocol ExportConsumer {
    mutating func consume(_ part: ExportPart) async throws
}
