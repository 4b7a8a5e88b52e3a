import Foundation
import GRDB

/// A flagged entry waiting for (or decided by) the data-protection officer.
public struct ReviewItem: Sendable, Equatable {
    public enum Status: String, Sendable, Codable { case open, kept, redacted, deleted }

    public let id: String
    public let objectType: String
    public let objectID: String
    public let ticketID: String?
    public let referenceID: String?
    public let field: String
    public let categories: [SpecialCategory]
    public let status: Status
    public let held: Bool
    public let authorID: String?
    public let authorRole: String?
    public let createdAt: Date
    /// The entry's current text, decrypted for the DPO (nil once deleted).
    public var text: String?
    public var origin: Origin?
    public let decision: String?
    public let decidedBy: String?
    public let decidedAt: Date?
}

/// The DPO's decision on a review item.
public enum ReviewAction: String, Sendable, Codable, CaseIterable {
    /// Releases a held entry; the text stays as written.
    case keep
    /// Replaces the matched spans with "[entfernt]" (the old text is kept as a DPO-only revision).
    case redact
    /// Removes the entry.
    case delete
}

/// Inserting review items inside the transaction that stores the flagged entry.
enum ReviewQueueWriter {
    static func insert(
        _ db: Database, objectType: String, objectID: String, ticketID: String?, referenceID: String?,
        subjectID: String?, screening: Screening, origin: Origin
    ) throws {
        guard let categories = screening.storedCategories else { return }
        try db.run(
            literal: """
                INSERT INTO review_items (id, object_type, object_id, subject_id, categories, status, created_at,
                                          ticket_id, ref_id, field, author_id, author_role, held)
                VALUES (\(UUID().uuidString.lowercased()), \(objectType), \(objectID), \(subjectID), \(categories),
                        \(ReviewItem.Status.open.rawValue), \(origin.createdAt), \(ticketID), \(referenceID),
                        \(screening.field), \(origin.authorID), \(origin.role?.rawValue), \(screening.hold))
                """)
    }
}
