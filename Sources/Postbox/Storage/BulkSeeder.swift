import Foundation
import GRDB

/// Fills a store with synthetic data for the cost-as-data-grows benchmark: subjects, each with
/// a contract (policy number blind-indexed), tickets on those contracts and messages in them,
/// sealed exactly as the repositories seal them, in large transactions. Never used by the server.
public enum BulkSeeder {
    public struct Plan: Sendable {
        public var subjects: Int
        public var ticketsPerSubject: Int
        public var messagesPerTicket: Int
        public var messageBytes: Int

        public init(subjects: Int, ticketsPerSubject: Int, messagesPerTicket: Int, messageBytes: Int = 1000) {
            self.subjects = subjects
            self.ticketsPerSubject = ticketsPerSubject
            self.messagesPerTicket = messagesPerTicket
            self.messageBytes = messageBytes
        }
    }

    /// Seeds `plan` into `store`; `progress` gets the messages written so far.
    public static func seed(_ store: PostboxStore, plan: Plan, progress: (Int) -> Void = { _ in }) throws {
        let words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
        let text = String(String(repeating: words, count: plan.messageBytes / words.count + 1).prefix(plan.messageBytes))
        let indexer = store.systemKeys.blindIndexer
        let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01
        var written = 0
        // One transaction per 50 subjects keeps each commit large but bounded.
        for batch in stride(from: 0, to: plan.subjects, by: 50) {
            try store.writer.write { db in
                for s in batch..<min(batch + 50, plan.subjects) {
                    let number = String(format: "SEED-%07d", s)
                    let subject = try SubjectIndex.resolve(
                        db, [SubjectIdentifier(.policyNumber, Identifier.policyIndexForm(number), strong: true)],
                        indexer: indexer, now: start)
                    let contractID = UUID().uuidString.lowercased()
                    let contractKey = try store.vault.createDataKey(db, purpose: "reference")
                    let holder = try JSONEncoder().encode(Holder(surname: "Muster\(s)"))
                    try db.run(
                        literal: """
                            INSERT INTO refs (id, kind, number, subject_id, data_key_id, payload, channel, created_at)
                            VALUES (\(contractID), 'contract', \(number), \(subject), \(contractKey.id),
                                    \(Data(contractKey.key.seal(bytes: [UInt8](holder), at: GRDBReferenceRepository.payloadLocation(contractID)))),
                                    'import', \(start))
                            """)
                    for t in 0..<plan.ticketsPerSubject {
                        let opened = start.addingTimeInterval(Double(s * plan.ticketsPerSubject + t))
                        // Ids in the order of their (seeded) time, as the store makes them.
                        let ticketID = TimeOrderedID.make(at: opened)
                        let ticketKey = try store.vault.createDataKey(db, purpose: "ticket")
                        try db.run(
                            literal: """
                                INSERT INTO tickets (id, ref_id, subject_id, status, data_key_id, title, author_role, channel,
                                                     created_at, last_activity_at)
                                VALUES (\(ticketID), \(contractID), \(subject), 'open', \(ticketKey.id),
                                        \(Data(ticketKey.key.seal("Seeded \(t)", at: GRDBTicketRepository.location("tickets", ticketID, "title")))),
                                        'member', 'web', \(opened), \(opened))
                                """)
                        let insert = try db.cachedStatement(
                            sql: """
                                INSERT INTO messages (id, ticket_id, seq, body, author_role, channel, created_at)
                                VALUES (?, ?, ?, ?, 'member', 'web', ?)
                                """)
                        for m in 1...plan.messagesPerTicket {
                            let messageID = TimeOrderedID.make(at: opened)
                            let body = ticketKey.key.seal(text, at: GRDBTicketRepository.location("messages", messageID, "body"))
                            try insert.execute(arguments: [messageID, ticketID, m, Data(body), opened])
                        }
                        written += plan.messagesPerTicket
                    }
                }
            }
            progress(written)
        }
    }
}
