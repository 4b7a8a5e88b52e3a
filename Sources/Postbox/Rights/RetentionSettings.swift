import Foundation

/// How long entries are kept (DESIGN.md section 9). Every key of the configuration section is
/// optional: a file names only what it changes.
public struct RetentionSettings: Sendable, Equatable, Codable {
    /// Days audit events are kept; the chain stays verifiable from a checkpoint.
    public var auditEventDays: Int = 30
    /// Years a closed ticket is kept after closing.
    public var closedTicketYears: Int = 3
    /// Days a referral nobody opened a ticket on is kept.
    public var referralWithoutTicketDays: Int = 90
    /// Legal hold on contract correspondence (tickets on a contract): years after the contract
    /// ends (e.g. 6 under § 257 HGB, 10 under § 147 AO). While a contract runs, or its end is
    /// unknown, its correspondence is held. 0 turns the hold off.
    public var contractCorrespondenceYears: Int = 6
    /// Minutes between runs of the background purge; 0 turns it off (`postbox-server purge` still works).
    public var purgeIntervalMinutes: Int = 60

    public init() {}

    enum CodingKeys: String, CodingKey {
        case auditEventDays, closedTicketYears, referralWithoutTicketDays, contractCorrespondenceYears,
            purgeIntervalMinutes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = RetentionSettings()
        auditEventDays = try c.decodeIfPresent(Int.self, forKey: .auditEventDays) ?? defaults.auditEventDays
        closedTicketYears = try c.decodeIfPresent(Int.self, forKey: .closedTicketYears) ?? defaults.closedTicketYears
        referralWithoutTicketDays =
            try c.decodeIfPresent(Int.self, forKey: .referralWithoutTicketDays) ?? defaults.referralWithoutTicketDays
        contractCorrespondenceYears =
            try c.decodeIfPresent(Int.self, forKey: .contractCorrespondenceYears)
            ?? defaults.contractCorrespondenceYears
        purgeIntervalMinutes =
            try c.decodeIfPresent(Int.self, forKey: .purgeIntervalMinutes) ?? defaults.purgeIntervalMinutes
    }

    /// Problems with the values, for the configuration loader.
    public var problems: [String] {
        var found: [String] = []
        if auditEventDays < 1 { found.append("retention.auditEventDays must be at least 1") }
        if closedTicketYears < 0 { found.append("retention.closedTicketYears must not be negative") }
        if referralWithoutTicketDays < 1 { found.append("retention.referralWithoutTicketDays must be at least 1") }
        if contractCorrespondenceYears < 0 {
            found.append("retention.contractCorrespondenceYears must not be negative")
        }
        if purgeIntervalMinutes < 0 { found.append("retention.purgeIntervalMinutes must not be negative") }
        return found
    }

    /// The periods as the Art. 15 export states them.
    public var statements: [RetentionStatement] {
        [
            RetentionStatement(
                entries: "tickets and messages", period: "\(closedTicketYears) years after the ticket was closed"),
            RetentionStatement(
                entries: "correspondence on a contract",
                period: contractCorrespondenceYears > 0
                    ? "while the contract runs and \(contractCorrespondenceYears) years after it ends (legal hold)"
                    : "as other tickets"),
            RetentionStatement(
                entries: "referrals without a ticket", period: "\(referralWithoutTicketDays) days after the referral"),
            RetentionStatement(entries: "audit events of your account", period: "\(auditEventDays) days"),
            RetentionStatement(entries: "account and consents", period: "until the account is erased"),
        ]
    }
}

/// One retention period in words.
public struct RetentionStatement: Sendable, Equatable, Codable {
    public var entries: String
    public var period: String
}

/// What the controller tells a person in every export (Art. 13-15): who is responsible, for
/// which purposes and on which legal bases data is processed, and who receives it.
public struct PrivacyNotice: Sendable, Equatable, Codable {
    public struct Controller: Sendable, Equatable, Codable {
        public var name: String
        public var address: String
        public var email: String
        /// Contact of the data-protection officer.
        public var dataProtectionOfficer: String

        public init(name: String, address: String, email: String, dataProtectionOfficer: String) {
            self.name = name
            self.address = address
            self.email = email
            self.dataProtectionOfficer = dataProtectionOfficer
        }
    }

    public struct Purpose: Sendable, Equatable, Codable {
        public var purpose: String
        public var legalBasis: String

        public init(purpose: String, legalBasis: String) {
            self.purpose = purpose
            self.legalBasis = legalBasis
        }
    }

    public var controller: Controller
    public var purposes: [Purpose]
    public var recipients: [String]
    /// Where a person may complain (Art. 77).
    public var supervisoryAuthority: String

    public init(controller: Controller, purposes: [Purpose], recipients: [String], supervisoryAuthority: String) {
        self.controller = controller
        self.purposes = purposes
        self.recipients = recipients
        self.supervisoryAuthority = supervisoryAuthority
    }

    /// Placeholders that `init` writes into the configuration for the operator to replace.
    public static let placeholder = PrivacyNotice(
        controller: Controller(
            name: "Example Versicherung AG (replace in postbox.json: privacy.controller)",
            address: "Musterstraße 1, 80331 München", email: "datenschutz@example.invalid",
            dataProtectionOfficer: "Datenschutzbeauftragte, datenschutz@example.invalid"),
        purposes: [
            Purpose(
                purpose: "Handling your enquiries, claims and contracts through the postbox",
                legalBasis: "Art. 6(1)(b) GDPR (contract)"),
            Purpose(
                purpose: "Referrals your broker passed on with your consent",
                legalBasis: "Art. 6(1)(a) GDPR (consent) and Art. 6(1)(b) GDPR"),
            Purpose(
                purpose: "Keeping business correspondence for the legal retention periods",
                legalBasis: "Art. 6(1)(c) GDPR with § 257 HGB, § 147 AO"),
            Purpose(
                purpose: "Security of the service (audit log, shortened IP addresses)",
                legalBasis: "Art. 6(1)(f) GDPR and Art. 32 GDPR"),
        ],
        recipients: [
            "Your advisor and the claims staff of the insurer",
            "The broker organisation that referred you (only its own referrals and tickets)",
            "IT service providers bound by Art. 28 GDPR processing agreements",
        ],
        supervisoryAuthority: "The data-protection supervisory authority of your federal state")
}
