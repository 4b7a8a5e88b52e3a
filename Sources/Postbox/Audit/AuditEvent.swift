import Foundation

/// What an audit event records (DESIGN.md section 9). Never content, never a login in clear
/// for failed attempts (those carry a keyed hash of the attempted login as object id).
public struct AuditEvent: Sendable, Equatable, Codable {
    public var seq: Int64
    public var at: Date
    public var userID: String?
    public var role: String?
    public var action: String
    public var objectType: String?
    public var objectID: String?
    public var outcome: AuditOutcome
    public var ipPrefix: String?
}

/// How the recorded attempt ended.
public enum AuditOutcome: String, Sendable, Codable, CaseIterable {
    case success, failure, denied
}

/// An event before the chain gives it a sequence number, time and hash.
public struct AuditDraft: Sendable, Equatable {
    public var userID: String?
    public var role: Role?
    public var action: AuditAction
    public var objectType: String?
    public var objectID: String?
    public var outcome: AuditOutcome
    public var ipPrefix: String?

    public init(
        userID: String?, role: Role?, action: AuditAction, objectType: String? = nil, objectID: String? = nil,
        outcome: AuditOutcome = .success, ipPrefix: String?
    ) {
        self.userID = userID
        self.role = role
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.outcome = outcome
        self.ipPrefix = ipPrefix
    }

    /// An event by `actor` (or by nobody, for anonymous attempts).
    public static func by(
        _ actor: Actor?, _ action: AuditAction, objectType: String? = nil, objectID: String? = nil,
        outcome: AuditOutcome = .success
    ) -> AuditDraft {
        AuditDraft(
            userID: actor?.userID, role: actor?.role, action: action, objectType: objectType, objectID: objectID,
            outcome: outcome, ipPrefix: actor?.ipPrefix)
    }
}

/// Who does something, as the audit log and origins record it.
public struct Actor: Sendable, Equatable {
    public var userID: String?
    public var role: Role?
    public var organisationID: String?
    public var ipPrefix: String?

    public init(userID: String?, role: Role?, organisationID: String? = nil, ipPrefix: String?) {
        self.userID = userID
        self.role = role
        self.organisationID = organisationID
        self.ipPrefix = ipPrefix
    }

    /// Someone not (yet) authenticated, known only by the shortened address.
    public static func anonymous(ipPrefix: String?) -> Actor { Actor(userID: nil, role: nil, ipPrefix: ipPrefix) }
}

/// Names of audited actions; stable strings, filterable in `GET /v1/audit?action=`.
public struct AuditAction: RawRepresentable, Sendable, Hashable, Codable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let login = AuditAction(rawValue: "session.login")
    public static let loginFailed = AuditAction(rawValue: "session.login-failed")
    public static let loginLocked = AuditAction(rawValue: "session.lockout")
    public static let logout = AuditAction(rawValue: "session.logout")
    public static let activation = AuditAction(rawValue: "account.activate")
    public static let consentAccepted = AuditAction(rawValue: "consent.accept")
    public static let consentWithdrawn = AuditAction(rawValue: "consent.withdraw")
    public static let userCreated = AuditAction(rawValue: "user.create")
    public static let userUpdated = AuditAction(rawValue: "user.update")
    public static let organisationCreated = AuditAction(rawValue: "organisation.create")
    public static let auditRead = AuditAction(rawValue: "audit.read")
    public static let auditVerified = AuditAction(rawValue: "audit.verify")
    public static let systemInitialised = AuditAction(rawValue: "system.init")
    public static let contractCreated = AuditAction(rawValue: "contract.create")
    public static let contractEndChanged = AuditAction(rawValue: "contract.end")
    public static let referralCreated = AuditAction(rawValue: "referral.create")
    public static let referralRead = AuditAction(rawValue: "referral.read")
    public static let ticketCreated = AuditAction(rawValue: "ticket.create")
    public static let ticketRead = AuditAction(rawValue: "ticket.read")
    public static let ticketUpdated = AuditAction(rawValue: "ticket.update")
    public static let messageCreated = AuditAction(rawValue: "message.create")
    public static let messagesRead = AuditAction(rawValue: "message.read")
    public static let messageRectified = AuditAction(rawValue: "message.rectify")
    public static let keysRotated = AuditAction(rawValue: "keys.rotate")
    public static let subjectSearched = AuditAction(rawValue: "subject.search")
    public static let subjectExported = AuditAction(rawValue: "subject.export")
    public static let subjectRestricted = AuditAction(rawValue: "subject.restrict")
    public static let subjectRestrictionLifted = AuditAction(rawValue: "subject.unrestrict")
    public static let subjectErased = AuditAction(rawValue: "subject.erase")
    public static let retentionPurged = AuditAction(rawValue: "retention.purge")
    public static let attachmentCreated = AuditAction(rawValue: "attachment.create")
    public static let attachmentRead = AuditAction(rawValue: "attachment.read")
}

/// Result of checking the hash chain.
public struct AuditVerification: Sendable, Equatable, Codable {
    /// True when every link holds (and every anchor given matches).
    public let ok: Bool
    /// Number of events checked.
    public let events: Int64
    /// Sequence number of the first event whose link is broken, if any.
    public let firstBrokenSeq: Int64?
    /// Why that link is broken.
    public let reason: String?
    /// The newest event of an intact chain: record it outside the database (``AuditAnchor``).
    public let head: AuditAnchor?

    public init(ok: Bool, events: Int64, firstBrokenSeq: Int64?, reason: String?, head: AuditAnchor? = nil) {
        self.ok = ok
        self.events = events
        self.firstBrokenSeq = firstBrokenSeq
        self.reason = reason
        self.head = head
    }
}

/// An event of the audit chain as recorded outside the database: its sequence number and
/// hash, written `SEQ:HEX`.
///
/// The chain's hashes are keyed, so nobody without the master key can alter, insert or remove
/// an event inside it; but removing the newest events leaves a shorter chain that still
/// verifies. An anchor kept elsewhere (the server logs the head after every retention run;
/// `audit verify` prints it) catches that: verifying with it fails when its event is gone or
/// differs.
public struct AuditAnchor: Sendable, Equatable, Codable, CustomStringConvertible {
    public let seq: Int64
    /// The event's hash, lower-case hex.
    public let hash: String

    public init(seq: Int64, hash: [UInt8]) {
        self.seq = seq
        self.hash = hash.map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
    }

    /// Reads `SEQ:HEX` (a sequence number from 1 and a hash of ``KeyedHash/outputBytes`` bytes).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 1,
            parts[1].count == 2 * KeyedHash.outputBytes, parts[1].allSatisfy(\.isHexDigit)
        else { return nil }
        self.seq = seq
        self.hash = parts[1].lowercased()
    }

    public var description: String { "\(seq):\(hash)" }
}

/// Filter of `GET /v1/audit`.
public struct AuditQuery: Sendable, Equatable {
    public var userID: String?
    public var action: String?
    public var from: Date?
    public var to: Date?
    public var limit: Int

    public init(userID: String? = nil, action: String? = nil, from: Date? = nil, to: Date? = nil, limit: Int = 100) {
        self.userID = userID
        self.action = action
        self.from = from
        self.to = to
        self.limit = limit
    }
}

/// The hash-chained audit log.
public protocol AuditLog: Sendable {
    /// Appends one event in its own transaction.
    func record(_ draft: AuditDraft) async throws
    /// Events matching `query`, newest first.
    func events(_ query: AuditQuery) async throws -> [AuditEvent]
    /// Walks the whole chain and reports the first broken link; each of `anchors` must still be
    /// in it with the same hash (or be older than what retention purged with a checkpoint).
    func verify(anchors: [AuditAnchor]) async throws -> AuditVerification
    /// The newest event as an anchor (not verified), or nil while the log is empty.
    func head() async throws -> AuditAnchor?
    /// The last audited action (and its time) of each of `userIDs`.
    func lastTransactions(of userIDs: [String]) async throws -> [String: (action: String, at: Date)]
}

extension AuditLog {
    /// ``verify(anchors:)`` without anchors.
    public func verify() async throws -> AuditVerification { try await verify(anchors: []) }
}
