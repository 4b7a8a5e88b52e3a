import Logging
import Postbox
import ServiceLifecycle

/// Purges what the retention configuration says has expired, on a schedule, for as long as
/// the server runs (DESIGN.md section 9). `postbox-server purge` runs the same purge once.
struct RetentionService: Service {
    let subjects: SubjectService
    /// Its head is logged after every run: an anchor outside the database (``AuditAnchor``).
    let audit: any AuditLog
    let interval: Duration
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await loop() }
        } catch is CancellationError {
            return
        }
    }

    /// One purge per interval, the first after one interval.
    private func loop() async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            do {
                let report = try await subjects.purge(dryRun: false)
                if !report.isEmpty {
                    logger.info(
                        "retention purge",
                        metadata: [
                            "auditEvents": "\(report.auditEvents)", "sessions": "\(report.sessions)",
                            "closedTickets": "\(report.closedTickets)", "heldTickets": "\(report.heldTickets)",
                            "referrals": "\(report.referralsWithoutTicket)",
                            "activationCodes": "\(report.activationCodes)", "subjects": "\(report.subjects)",
                        ])
                }
            } catch {
                // Content-free: the error's type, never stored data.
                logger.error("retention purge failed", metadata: ["error": "\(type(of: error))"])
            }
            await logHead()
        }
    }

    /// Logs the chain's newest event (sequence number and keyed hash, no content), so that logs
    /// shipped elsewhere hold anchors to verify against later. It is read, not verified here:
    /// verifying walks the whole chain (`audit verify` does, with the anchors).
    func logHead() async {
        do {
            if let head = try await audit.head() {
                logger.notice("audit head", metadata: ["audit.head": "\(head)"])
            }
        } catch {
            logger.error("audit verification failed", metadata: ["error": "\(type(of: error))"])
        }
    }
}

/// Checkpoints the WAL in the background while the server runs (``Checkpointer``), so commits
/// do not copy pages into the database file themselves.
struct CheckpointService: Service {
    let checkpointer: Checkpointer
    var interval: Duration = .milliseconds(250)

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await checkpointer.run(every: interval) }
        } catch is CancellationError {
            return
        }
    }
}
