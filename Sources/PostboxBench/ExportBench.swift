import Foundation
import Postbox

/// E1: the Art. 15 export of one subject with many messages, rendered as JSON, from a real
/// encrypted SQLite store in a temporary directory. Reports the time and how much the
/// resident memory grew while exporting (it should not grow with the message count).
struct ExportBench {
    let messages: Int
    let texts: [String]

    /// Renders parts as JSON, counts the bytes, samples the resident set size.
    struct CountingConsumer: ExportConsumer {
        var renderer = ExportJSONRenderer()
        var bytes = 0
        var parts = 0
        var peakRSS = 0

        mutating func consume(_ part: ExportPart) async throws {
            bytes += try renderer.render(part).count
            parts += 1
            if parts % 250 == 0 { peakRSS = max(peakRSS, ExportBench.residentBytes()) }
        }
    }

    /// `VmRSS` of this process in bytes (Linux).
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    func run() async throws -> [PostboxBench.Result] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("postbox-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ring = try KeyRing(entries: [.init(id: "bench", key: .random())])
        // Filling uses synchronous=NORMAL only to save time; the export reads either way.
        let store = try PostboxStore.open(
            path: directory.appendingPathComponent("bench.sqlite").path, keyRing: ring,
            configuration: StoreConfiguration(synchronous: .normal))
        let origin = Origin(authorID: nil, role: nil, organisationID: nil, channel: "api", ipPrefix: "192.0.2.0/24", createdAt: Date())
        let audit = AuditDraft(userID: nil, role: nil, action: .contractCreated, ipPrefix: nil)
        let contract = try await GRDBReferenceRepository(store: store).createContract(
            number: "BENCH-1", holder: Holder(surname: "Muster"), advisorID: nil, endsAt: nil,
            identifiers: [SubjectIdentifier(.policyNumber, "BENCH1", strong: true)], origin: origin, audit: audit)
        let tickets = GRDBTicketRepository(store: store)
        let screener = EntryScreener(settings: SpecialCategorySettings())
        let screen = { (text: String) in try screener.screen([("body", text)], role: .advisor, acknowledged: true, holdable: false) }
        let (ticket, _) = try await tickets.create(
            referenceID: contract.id, subjectID: contract.subjectID, title: "Export benchmark", body: texts[0],
            screenings: try screen(texts[0]), origin: origin, audit: audit)
        for index in 1..<messages {
            let text = texts[index % texts.count]
            _ = try await tickets.addMessage(
                ticketID: ticket.id, body: text, permitted: { _ in true }, screening: { [screened = try screen(text)[0]] in screened },
                origin: origin,
                transition: { _, _ in .open }, audit: audit)
        }
        let subjects = SubjectService(
            subjects: GRDBSubjectRepository(store: store), audit: GRDBAuditLog(store: store),
            notice: .placeholder, retention: RetentionSettings(), now: { Date() })
        let principal = Principal(
            userID: "bench", login: "bench", role: .dpo, organisationID: nil, sessionID: "bench", consentVersion: nil)

        var warm = CountingConsumer()
        try await subjects.export(subjectID: contract.subjectID, by: principal, ipPrefix: nil, into: &warm)
        let before = Self.residentBytes()
        var consumer = CountingConsumer()
        let clock = ContinuousClock()
        let start = clock.now
        try await subjects.export(subjectID: contract.subjectID, by: principal, ipPrefix: nil, into: &consumer)
        let elapsed = (clock.now - start).seconds
        let growth = max(0, consumer.peakRSS - before)
        return [
            PostboxBench.Result(
                name: "E1 export \(messages) messages (JSON)", value: elapsed, unit: "s",
                note: "\(consumer.bytes / 1_000_000) MB, decrypt + render, target < 2 s"),
            PostboxBench.Result(
                name: "E1 export memory growth", value: Double(growth) / 1_000_000, unit: "MB",
                note: "RSS while exporting minus before (\(before / 1_000_000) MB); data \(consumer.bytes / 1_000_000) MB"),
        ]
    }
}
