import Foundation
import GRDB

/// Attachments: the name sealed like other fields, the content as secretstream chunks under a
/// key derived from the ticket's data key (erasing the ticket's key erases its files).
public protocol AttachmentRepository: Sendable {
    func create(
        ticketID: String, name: String, type: AttachmentType, original: [UInt8], stripped: StrippedFile,
        screening: Screening?, origin: Origin, maxPerTicket: Int, audit: AuditDraft
    ) async throws -> Attachment
    /// The attachment and the scope of its ticket, or nil.
    func attachment(id: String) async throws -> (Attachment, TicketScope)?
    /// The attachments of a ticket, oldest first.
    func attachments(ticketID: String) async throws -> [Attachment]
    /// A reader over the decrypted content.
    func content(id: String) async throws -> any AttachmentContent
}

/// ``AttachmentRepository`` over the SQLite store.
public struct GRDBAttachmentRepository: AttachmentRepository {
    let store: PostboxStore
    let now: Now

    public init(store: PostboxStore, now: @escaping Now = systemNow) {
        self.store = store
        self.now = now
    }

    static func nameLocation(_ id: String) -> FieldLocation {
        FieldLocation(table: "attachments", rowID: id, field: "name")
    }

    public func create(
        ticketID: String, name: String, type: AttachmentType, original: [UInt8], stripped: StrippedFile,
        screening: Screening?, origin: Origin, maxPerTicket: Int, audit: AuditDraft
    ) async throws -> Attachment {
        let id = TimeOrderedID.make()
        try await store.write { db in
            guard
                let ticket = try Row.fetchOne(
                    db, SQLRequest(cachedLiteral: "SELECT data_key_id, subject_id FROM tickets WHERE id = \(ticketID)"))
            else { throw StoreError.notFound }
            try GRDBSubjectRepository.requireUnrestricted(db, subjectID: ticket["subject_id"])
            let count =
                try Int.fetchOne(
                    db, SQLRequest(cachedLiteral: "SELECT COUNT(*) FROM attachments WHERE ticket_id = \(ticketID)")) ?? 0
            guard count < maxPerTicket else {
                throw PostboxError(
                    .conflict, detail: "the ticket already has the most attachments allowed (\(maxPerTicket))")
            }
            let ticketKey = try store.vault.dataKey(db, id: ticket["data_key_id"])
            var writer = SecretStream.Writer(key: try SecretStream.attachmentKey(ticketKey, attachmentID: id))
            try db.run(
                literal: """
                    INSERT INTO attachments (id, ticket_id, name, content_type, size, content, removed_metadata, author_id,
                                             author_role, organisation_id, channel, ip_prefix, created_at, stream_header,
                                             metadata_removed, special_categories)
                    VALUES (\(id), \(ticketID), \(Data(ticketKey.seal(name, at: Self.nameLocation(id)))), \(type.rawValue),
                            \(stripped.size), \(Data()), \(stripped.removed.joined(separator: ",")), \(origin.authorID),
                            \(origin.role?.rawValue ?? "system"), \(origin.organisationID), \(origin.channel),
                            \(origin.ipPrefix), \(origin.createdAt), \(Data(writer.header)), \(stripped.metadataRemoved),
                            \(screening?.storedCategories))
                    """)
            // Chunks of the stripped file, cut across its pieces without copying it whole.
            var seq = 0
            var buffer: [UInt8] = []
            buffer.reserveCapacity(SecretStream.chunkSize)
            let total = stripped.size
            var written = 0
            func flush(final: Bool) throws {
                let sealed = writer.seal(buffer, final: final)
                try db.execute(
                    literal:
                        "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (\(id), \(seq), \(Data(sealed)))"
                )
                written += buffer.count
                seq += 1
                buffer.removeAll(keepingCapacity: true)
            }
            for piece in stripped.pieces {
                let bytes: ArraySlice<UInt8> =
                    switch piece {
                    case .original(let range): original[range]
                    case .inserted(let inserted): inserted[...]
                    }
                var offset = bytes.startIndex
                while offset < bytes.endIndex {
                    let take = min(SecretStream.chunkSize - buffer.count, bytes.endIndex - offset)
                    buffer += bytes[offset..<offset + take]
                    offset += take
                    if buffer.count == SecretStream.chunkSize, written + buffer.count < total {
                        try flush(final: false)
                    }
                }
            }
            try flush(final: true)
            if let screening {
                try ReviewQueueWriter.insert(
                    db, objectType: "attachment", objectID: id, ticketID: ticketID, referenceID: nil,
                    subjectID: ticket["subject_id"], screening: screening, origin: origin)
            }
            try db.run(literal: "UPDATE tickets SET last_activity_at = \(origin.createdAt) WHERE id = \(ticketID)")
            var record = audit
            record.objectID = id
            try GRDBAuditLog.append(db, record, at: now(), key: store.systemKeys.audit)
        }
        return Attachment(
            id: id, ticketID: ticketID, name: name, type: type, size: stripped.size, removedMetadata: stripped.removed,
            metadataRemoved: stripped.metadataRemoved, categories: screening?.categories ?? [], origin: origin)
    }

    static func decode(_ row: Row, key: SecretKey) throws -> Attachment {
        let id: String = row["id"]
        let removed: String = row["removed_metadata"] ?? ""
        return Attachment(
            id: id, ticketID: row["ticket_id"],
            name: try key.openText([UInt8](row["name"] as Data), at: nameLocation(id)),
            type: AttachmentType(rawValue: row["content_type"]) ?? .pdf, size: row["size"],
            removedMetadata: removed.split(separator: ",").map(String.init), metadataRemoved: row["metadata_removed"],
            categories: GRDBTicketRepository.categories(row["special_categories"]),
            origin: GRDBTicketRepository.origin(row))
    }

    public func attachment(id: String) async throws -> (Attachment, TicketScope)? {
        try await store.writer.read { db in
            guard let row = try Row.fetchOne(db, SQLRequest(cachedLiteral: "SELECT * FROM attachments WHERE id = \(id)")),
                let ticket = try db.withFirstRow(sql: GRDBTicketRepository.scopeSQL, [row["ticket_id"] as String], {
                    let keyID: String = $0[GRDBTicketRepository.ScopeColumn.dataKeyID]
                    return (scope: GRDBTicketRepository.scope($0), keyID: keyID)
                })
            else { return nil }
            let key = try store.vault.dataKey(db, id: ticket.keyID)
            return (try Self.decode(row, key: key), ticket.scope)
        }
    }

    public func attachments(ticketID: String) async throws -> [Attachment] {
        try await store.writer.read { db in
            guard
                let keyID = try String.fetchOne(
                    db, SQLRequest(cachedLiteral: "SELECT data_key_id FROM tickets WHERE id = \(ticketID)"))
            else { throw StoreError.notFound }
            let key = try store.vault.dataKey(db, id: keyID)
            return try Row.fetchAll(
                db,
                SQLRequest(
                    cachedLiteral: "SELECT * FROM attachments WHERE ticket_id = \(ticketID) ORDER BY created_at, rowid")
            ).map { try Self.decode($0, key: key) }
        }
    }

    public func content(id: String) async throws -> any AttachmentContent {
        let (header, key) = try await store.writer.read { db -> ([UInt8], SecretKey) in
            guard
                let row = try Row.fetchOne(
                    db,
                    SQLRequest(
                        cachedLiteral: """
                            SELECT a.stream_header, t.data_key_id FROM attachments a JOIN tickets t ON t.id = a.ticket_id
                            WHERE a.id = \(id)
                            """))
            else { throw StoreError.notFound }
            let ticketKey = try store.vault.dataKey(db, id: row["data_key_id"])
            return ([UInt8](row["stream_header"] as Data), try SecretStream.attachmentKey(ticketKey, attachmentID: id))
        }
        return ChunkReader(store: store, id: id, reader: try SecretStream.Reader(key: key, header: header))
    }

    /// Reads one chunk per database read and decrypts it.
    struct ChunkReader: AttachmentContent {
        let store: PostboxStore
        let id: String
        var reader: SecretStream.Reader
        var seq = 0

        mutating func next() async throws -> [UInt8]? {
            if reader.finished { return nil }
            let (id, seq) = (id, seq)
            guard
                let sealed = try await store.writer.read({ db in
                    try Data.fetchOne(
                        db,
                        SQLRequest(
                            cachedLiteral: "SELECT data FROM attachment_chunks WHERE attachment_id = \(id) AND seq = \(seq)"))
                })
            else { throw CryptoError.decryptionFailed }  // cut short: the final chunk never came
            self.seq += 1
            return try reader.open([UInt8](sealed))
        }
    }
}
