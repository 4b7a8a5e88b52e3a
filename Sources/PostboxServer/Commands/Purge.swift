import ArgumentParser
import Foundation
import Postbox

extension PostboxServerCommand {
    /// `postbox-server purge`: runs the retention purge now and reports what went.
    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Purge what the retention configuration says has expired, now.",
            discussion: """
                Removes audit events older than retention.auditEventDays (the chain stays verifiable from a
                checkpoint), expired sessions, tickets closed more than retention.closedTicketYears ago (contract
                correspondence not before its legal hold ends), entries kept after an erasure whose hold ended,
                referrals without a ticket older than retention.referralWithoutTicketDays, expired activation
                codes, and subjects nothing refers to any more. Safe while the server runs.
                """)

        @OptionGroup var data: DataDirectoryOptions
        @Flag(help: "Count what would be purged; change nothing.") var dryRun = false
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            restrictFileCreationMode()
            let report = try await withStartupErrors {
                let config = try ServerConfiguration.load(
                    dataDirectory: data.path, environment: ProcessInfo.processInfo.environment)
                return try await openDependencies(config).subjects.purge(dryRun: dryRun)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
                return
            }
            print(dryRun ? "would purge (dry run, nothing changed):" : "purged:")
            let lines: [(String, Int)] = [
                ("audit events", report.auditEvents), ("sessions", report.sessions),
                ("closed tickets", report.closedTickets), ("held tickets whose hold ended", report.heldTickets),
                ("referrals without a ticket", report.referralsWithoutTicket),
                ("expired activation codes", report.activationCodes), ("orphaned subjects", report.subjects),
            ]
            for (label, count) in lines { print("  \(label): \(count)") }
        }
    }
}
