import Foundation
import GRDB

/// Contracts and referrals. Personal fields are one sealed JSON payload per row; identifiers
/// are stored only as blind indexes of the subject.
public protocol ReferenceRepository: Sendable {
    func createContract(
        number: String, holder: Holder, advisorID: String?, endsAt: Date?, identifiers: [SubjectIdentifier],
        origin: Origin, audit: AuditDraft
    ) async throws -> Contract
    /// Creates a referral; the referral number (indexed too) and service number come from a sequence.
    func createReferral(
        details: ReferralDetails, organisationID: String?, serviceNumberPrefix: String,
        identifiers: [SubjectIdentifier], remarksScreening: Screening?, origin: Origin, audit: AuditDraft
    ) async throws -> Referral
    /// The referral `number` with its access scope, or nil.
    func referral(number: String) async throws -> (Referral, ReferenceScope)?
    /// Id and access scope of a reference, or nil.
    func scope(kind: ReferenceKind, number: String) async throws -> (id: String, scope: ReferenceScope)?
    /// Sets or clears the day a contract ended; returns the contract's id, or nil when there is no
    /// contract `number`.
    func setContractEnd(number: String, endsAt: Date?, audit: AuditDraft) async throws -> String?
}

/// ``ReferenceRepository`` over the SQLite store.
public struct GRDBReferenceRepository: ReferenceRepository {
    let store: PostboxStore
    let now: Now

    public init(store: PostboxStore, now: @escaping Now = systemNow) {
        self.store = store
        self.now = now
    }

    static func payloadLocation(_ id: String) -> FieldLocation {
        FieldLocation(table: "refs", rowID: id, field: "payload")
    }

    public func createContract(
        number: String, holder: Holder, advisorID: String?, endsAt: Date?, identifiers: [SubjectIdentifier],
        origin: Origin, audit: AuditDraft
    ) async throws -> Contract {
        let id = UUID().uuidString.lowercased()
        let payload = try JSONEncoder().encode(holder)
        let subjectID = try await store.write { db in
            let taken = try Bool.fetchOne(
                db, SQLRequest(cachedLiteral: "SELECT EXISTS (SELECT 1 FROM refs WHERE kind = 'contract' AND number = \(number))"))
            if taken == true { throw PostboxError(.conflict, detail: "a contract with this number exists") }
            if let advisorID {
                let role = try String.fetchOne(db, SQLRequest(cachedLiteral: "SELECT role FROM users WHERE id = \(advisorID)"))
                if role != Role.advisor.rawValue {
                    throw PostboxError.invalid([.init(field: "advisorId", message: "no such advisor")])
                }
            }
            let subject = try SubjectIndex.resolve(db, identifiers, indexer: store.systemKeys.blindIndexer, now: origin.createdAt)
            try GRDBSubjectRepository.requireUnrestricted(db, subjectID: subject)
            try insert(db, id: id, kind: .contract, number: number, serviceNumber: nil, subject: subject,
                       organisationID: nil, advisorID: advisorID, payload: payload, origin: origin)
            if let endsAt { try db.run(literal: "UPDATE refs SET ends_at = \(endsAt) WHERE id = \(id)") }
            // Link members whose member number is the holder's.
            if let member = holder.memberNumber {
                let index = Data(store.systemKeys.blindIndexer.index(kind: IdentifierKind.memberNumber.rawValue, normalisedValue: member))
                try db.run(
                    literal: """
                        UPDATE users SET subject_id = \(subject)
                        WHERE role = 'member' AND member_number_index = \(index)
                        """)
            }
            var record = audit
            record.objectID = id
            try GRDBAuditLog.append(db, record, at: now(), key: store.systemKeys.audit)
            return subject
        }
        return Contract(
            id: id, number: number, subjectID: subjectID, advisorID: advisorID, holder: holder, endsAt: endsAt,
            origin: origin)
    }

    public func createReferral(
        details: ReferralDetails, organisationID: String?, serviceNumberPrefix: String,
        identifiers: [SubjectIdentifier], remarksScreening: Screening?, origin: Origin, audit: AuditDraft
    ) async throws -> Referral {
        let id = UUID().uuidString.lowercased()
        let payload = try JSONEncoder().encode(details)
        let (number, serviceNumber, subjectID) = try await store.write { db in
            let sequence = try SubjectIndex.nextValue(db, counter: "referral")
            let year = Calendar(identifier: .gregorian).component(.year, from: origin.createdAt)
            let number = "RF-\(year)-\(String(format: "%06d", sequence))"
            let serviceNumber = serviceNumberPrefix + String(format: "%06d", sequence)
            let subject = try SubjectIndex.resolve(
                db, identifiers + [SubjectIdentifier(.referralNumber, number)], indexer: store.systemKeys.blindIndexer, now: origin.createdAt)
            try GRDBSubjectRepository.requireUnrestricted(db, subjectID: subject)
            try insert(db, id: id, kind: .referral, number: number, serviceNumber: serviceNumber, subject: subject,
                       organisationID: organisationID, advisorID: nil, payload: payload, origin: origin)
            if let remarksScreening {
                try db.run(
                    literal: "UPDATE refs SET special_categories = \(remarksScreening.storedCategories) WHERE id = \(id)")
                try ReviewQueueWriter.insert(
                    db, objectType: "referral", objectID: id, ticketID: nil, referenceID: id, subjectID: subject,
                    screening: remarksScreening, origin: origin)
            }
            var record = audit
            record.objectID = id
            try GRDBAuditLog.append(db, record, at: now(), key: store.systemKeys.audit)
            return (number, serviceNumber, subject)
        }
        return Referral(
            id: id, number: number, serviceNumber: serviceNumber, subjectID: subjectID, organisationID: organisationID,
            details: details, origin: origin)
    }

    private func insert(
        _ db: Database, id: String, kind: ReferenceKind, number: String, serviceNumber: String?, subject: String,
        organisationID: String?, advisorID: String?, payload: Data, origin: Origin
    ) throws {
        let dataKey = try store.vault.createDataKey(db, purpose: "reference")
        let sealed = Data(dataKey.key.seal(bytes: [UInt8](payload), at: Self.payloadLocation(id)))
        try db.run(
            literal: """
                INSERT INTO refs (id, kind, number, service_number, subject_id, organisation_id, advisor_id, data_key_id,
                                  payload, author_id, author_role, channel, ip_prefix, created_at)
                VALUES (\(id), \(kind.rawValue), \(number), \(serviceNumber), \(subject), \(organisationID), \(advisorID),
                        \(dataKey.id), \(sealed), \(origin.authorID), \(origin.role?.rawValue), \(origin.channel),
                        \(origin.ipPrefix), \(origin.createdAt))
                """)
    }

    public func referral(number: String) async throws -> (Referral, ReferenceScope)? {
        try await store.writer.read { db in
            let request = SQLRequest<Row>(
                cachedLiteral: """
                    SELECT r.*, s.restricted_at FROM refs r LEFT JOIN subjects s ON s.id = r.subject_id
                    WHERE r.kind = 'referral' AND r.number = \(number)
                    """)
            guard let row = try Row.fetchOne(db, request) else { return nil }
            let id: String = row["id"]
            let key = try store.vault.dataKey(db, id: row["data_key_id"])
            let plain = try key.openBytes([UInt8](row["payload"] as Data), at: Self.payloadLocation(id))
            let details = try JSONDecoder().decode(ReferralDetails.self, from: Data(plain))
            let referral = Referral(
                id: id, number: row["number"], serviceNumber: row["service_number"] ?? "", subjectID: row["subject_id"],
                organisationID: row["organisation_id"], details: details, origin: Self.origin(row))
            return (referral, Self.scope(row))
        }
    }

    public func scope(kind: ReferenceKind, number: String) async throws -> (id: String, scope: ReferenceScope)? {
        try await store.writer.read { db in
            let request = SQLRequest<Row>(
                cachedLiteral: """
                    SELECT r.id, r.kind, r.organisation_id, r.advisor_id, r.subject_id, s.restricted_at
                    FROM refs r LEFT JOIN subjects s ON s.id = r.subject_id
                    WHERE r.kind = \(kind.rawValue) AND r.number = \(number)
                    """)
            return try Row.fetchOne(db, request).map { (id: $0["id"], scope: Self.scope($0)) }
        }
    }

    public func setContractEnd(number: String, endsAt: Date?, audit: AuditDraft) async throws -> String? {
        try await store.write { db in
            guard
                let id = try String.fetchOne(
                    db, SQLRequest(cachedLiteral: "SELECT id FROM refs WHERE kind = 'contract' AND number = \(number)"))
            else { return nil }
            try db.run(literal: "UPDATE refs SET ends_at = \(endsAt) WHERE id = \(id)")
            var record = audit
            record.objectID = id
            try GRDBAuditLog.append(db, record, at: now(), key: store.systemKeys.audit)
            return id
        }
    }

    static func scope(_ row: Row) -> ReferenceScope {
        ReferenceScope(
            kind: ReferenceKind(rawValue: row["kind"]) ?? .contract, organisationID: row["organisation_id"],
            advisorID: row["advisor_id"], subjectID: row["subject_id"], restricted: (row["restricted_at"] as Date?) != nil)
    }

    static func origin(_ row: Row) -> Origin {
        Origin(
            authorID: row["author_id"], role: (row["author_role"] as String?).flatMap(Role.init(rawValue:)),
            organisationID: row["organisation_id"], channel: row["channel"], ipPrefix: row["ip_prefix"],
            createdAt: row["created_at"])
    }
}
