import Foundation
import GRDB

/// A normalised identifier of a data subject, to be blind-indexed.
public struct SubjectIdentifier: Sendable, Equatable {
    public let kind: IdentifierKind
    public let value: String
    /// Strong identifiers (policy number, member number) link new data to an existing subject;
    /// weak ones (plate, phone, …) are only indexed for search.
    public let strong: Bool

    public init(_ kind: IdentifierKind, _ value: String, strong: Bool = false) {
        self.kind = kind
        self.value = value
        self.strong = strong
    }
}

/// Finds or creates the subject for a set of identifiers and records their blind indexes.
enum SubjectIndex {
    /// The subject that a strong identifier already points to, or a new one; then indexes all.
    ///
    /// If strong identifiers point to different subjects, the first one in `identifiers` wins
    /// (subjects are not merged automatically).
    static func resolve(_ db: Database, _ identifiers: [SubjectIdentifier], indexer: BlindIndexer, now: Date) throws
        -> String
    {
        var subject: String?
        for identifier in identifiers where identifier.strong {
            let hash = Data(indexer.index(kind: identifier.kind.rawValue, normalisedValue: identifier.value))
            let request = SQLRequest<String>(
                cachedLiteral: """
                    SELECT subject_id FROM subject_index WHERE kind = \(identifier.kind.rawValue) AND hash = \(hash)
                    ORDER BY rowid LIMIT 1
                    """)
            if let found = try String.fetchOne(db, request) {
                subject = found
                break
            }
        }
        let id = subject ?? UUID().uuidString.lowercased()
        if subject == nil {
            try db.run(literal: "INSERT INTO subjects (id, created_at) VALUES (\(id), \(now))")
        }
        try add(db, identifiers, to: id, indexer: indexer)
        return id
    }

    /// Records blind indexes of `identifiers` for `subject`.
    static func add(_ db: Database, _ identifiers: [SubjectIdentifier], to subject: String, indexer: BlindIndexer) throws {
        for identifier in identifiers {
            let hash = Data(indexer.index(kind: identifier.kind.rawValue, normalisedValue: identifier.value))
            try db.run(
                literal: """
                    INSERT OR IGNORE INTO subject_index (subject_id, kind, hash)
                    VALUES (\(subject), \(identifier.kind.rawValue), \(hash))
                    """)
        }
    }

    /// Next value of a named counter, in the caller's transaction.
    static func nextValue(_ db: Database, counter: String) throws -> Int64 {
        try db.run(
            literal: """
                INSERT INTO counters (name, value) VALUES (\(counter), 1)
                ON CONFLICT(name) DO UPDATE SET value = value + 1
                """)
        return try Int64.fetchOne(db, SQLRequest(cachedLiteral: "SELECT value FROM counters WHERE name = \(counter)")) ?? 1
    }
}
