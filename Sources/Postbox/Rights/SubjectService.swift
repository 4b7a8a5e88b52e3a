import Foundation

/// Data-subject rights (DESIGN.md section 8): finding a person by any identifier, the Art. 15
/// export with the origin of every entry, restriction (Art. 18), erasure with legal holds
/// (Art. 17) and the retention purge. Every action is audited.
public struct SubjectService: Sendable {
    let subjects: any SubjectRepository
    let audit: any AuditLog
    let notice: PrivacyNotice
    let retention: RetentionSettings
    let now: Now

    public init(
        subjects: any SubjectRepository, audit: any AuditLog, notice: PrivacyNotice, retention: RetentionSettings,
        now: @escaping Now
    ) {
        self.subjects = subjects
        self.audit = audit
        self.notice = notice
        self.retention = retention
        self.now = now
    }

    static let notFound = PostboxError(.notFound, detail: "no such subject")

    /// Identifiers a search may name; surname only together with phone.
    public struct Query: Sendable, Equatable {
        public var policyNumber: String?
        public var referralNumber: String?
        public var licencePlate: String?
        public var phone: String?
        public var surname: String?
        public var memberNumber: String?
        public var email: String?
        public var login: String?

        public init(
            policyNumber: String? = nil, referralNumber: String? = nil, licencePlate: String? = nil,
            phone: String? = nil, surname: String? = nil, memberNumber: String? = nil, email: String? = nil,
            login: String? = nil
        ) {
            self.policyNumber = policyNumber
            self.referralNumber = referralNumber
            self.licencePlate = licencePlate
            self.phone = phone
            self.surname = surname
            self.memberNumber = memberNumber
            self.email = email
            self.login = login
        }

        /// The blind-indexable forms, or the fields that cannot be read.
        func identifiers() throws -> [SubjectIdentifier] {
            var issues: [PostboxError.FieldIssue] = []
            var found: [SubjectIdentifier] = []
            func add(
                _ raw: String?, _ field: String, _ kind: IdentifierKind, _ normalise: (String) -> String?,
                _ hint: String
            ) {
                guard let raw else { return }
                if let value = normalise(raw) {
                    found.append(SubjectIdentifier(kind, value))
                } else {
                    issues.append(.init(field: field, message: hint))
                }
            }
            add(
                policyNumber, "policyNumber", .policyNumber,
                { Identifier.policyNumber($0).map(Identifier.policyIndexForm) },
                "3-32 letters, digits or -./")
            add(
                referralNumber, "referralNumber", .referralNumber,
                {
                    let value = $0.trimmingCharacters(in: .whitespaces).uppercased()
                    return value.isEmpty ? nil : value
                }, "a referral number like RF-2026-000001")
            add(
                licencePlate, "licencePlate", .licencePlate,
                { Identifier.licencePlate($0).map { $0.filter { $0 != " " && $0 != "-" } } },
                "a German plate like M-AB 1234")
            if let surname {
                if let phone, let number = Identifier.phone(phone) {
                    found.append(SubjectIdentifier(.surnamePhone, Identifier.surnameIndexForm(surname) + "|" + number))
                } else {
                    issues.append(.init(field: "surname", message: "only together with a valid phone"))
                }
            } else {
                add(phone, "phone", .phone, Identifier.phone, "6-15 digits, optionally with a leading +")
            }
            add(
                memberNumber, "memberNumber", .memberNumber,
                {
                    let value = Identifier.memberNumber($0)
                    return Identifier.isValidMemberNumber(value) ? value : nil
                }, "1-32 letters and digits")
            add(email, "email", .email, Identifier.email, "not an e-mail address")
            add(
                login, "login", .login,
                {
                    let value = $0.trimmingCharacters(in: .whitespaces).lowercased()
                    return value.isEmpty ? nil : value
                }, "a login")
            guard issues.isEmpty else { throw PostboxError.invalid(issues) }
            guard !found.isEmpty else {
                throw PostboxError.invalid([
                    .init(
                        field: "query",
                        message:
                            "name one of policyNumber, referralNumber, licencePlate, phone, surname with phone, memberNumber, email, login"
                    )
                ])
            }
            return found
        }
    }

    /// Subjects matching any identifier of `query` (DPO). The search is audited, never its terms.
    public func search(_ query: Query, by principal: Principal, ipPrefix: String?) async throws -> [SubjectSummary] {
        try SubjectRightsRule().require(principal)
        let identifiers = try query.identifiers()
        let found = try await subjects.search(identifiers)
        try await audit.record(.by(principal.actor(ipPrefix: ipPrefix), .subjectSearched, objectType: "subject"))
        return found
    }

    /// One subject (DPO).
    public func summary(id: String, by principal: Principal) async throws -> SubjectSummary {
        try SubjectRightsRule().require(principal)
        guard let summary = try await subjects.summary(id: id) else { throw Self.notFound }
        return summary
    }

    /// Streams the Art. 15 export of `subjectID` into `consumer` (DPO); audited before it starts.
    public func export<Consumer: ExportConsumer>(
        subjectID: String, by principal: Principal, ipPrefix: String?, into consumer: inout Consumer
    ) async throws {
        try SubjectRightsRule().require(principal)
        try await export(subjectID: subjectID, actor: principal.actor(ipPrefix: ipPrefix), into: &consumer)
    }

    /// Streams the member's own export (Art. 15 and 20) into `consumer`.
    public func exportOwn<Consumer: ExportConsumer>(
        by principal: Principal, ipPrefix: String?, into consumer: inout Consumer
    ) async throws {
        let subjectID = try await authorizeOwnExport(by: principal)
        try await export(subjectID: subjectID, actor: principal.actor(ipPrefix: ipPrefix), into: &consumer)
    }

    /// Checks that `principal` may export `subjectID` and that it exists, before a response
    /// starts (a stream that began cannot turn into a problem answer any more).
    public func authorizeExport(subjectID: String, by principal: Principal) async throws {
        try SubjectRightsRule().require(principal)
        try await requireExists(subjectID: subjectID)
    }

    /// The subject of a member's own export, checked before a response starts.
    public func authorizeOwnExport(by principal: Principal) async throws -> String {
        guard principal.role == .member, let subjectID = principal.subjectID else {
            throw PostboxError(
                .forbidden, detail: "only members export their own data; staff ask the data-protection officer")
        }
        try await requireExists(subjectID: subjectID)
        return subjectID
    }

    func requireExists(subjectID: String) async throws {
        guard try await subjects.exists(id: subjectID) else { throw Self.notFound }
    }

    private func export<Consumer: ExportConsumer>(subjectID: String, actor: Actor, into consumer: inout Consumer)
        async throws
    {
        try await requireExists(subjectID: subjectID)
        try await audit.record(.by(actor, .subjectExported, objectType: "subject", objectID: subjectID))
        let (notice, retention, generatedAt) = (notice, retention, now())
        do {
            try await subjects.export(
                subjectID: subjectID,
                header: { subject in
                    var notes = [
                        "Every entry names its origin: who wrote it (author id and role), for which organisation, over which channel (web, api, cli), when, from which shortened IP address, and through which contract or referral.",
                        "Contracts are managed in the insurer's contract system; this export contains the copy the postbox holds.",
                    ]
                    if subject.restrictedAt != nil {
                        notes.append(
                            "Processing of this data is restricted (Art. 18 GDPR): only the data-protection officer sees it."
                        )
                    }
                    if subject.erasedAt != nil {
                        notes.append(
                            "This person's data was erased; what remains is held for a legal retention period.")
                    }
                    return SubjectExport.Header(
                        schema: SubjectExport.schema, generatedAt: generatedAt, subject: subject,
                        controller: notice.controller, purposes: notice.purposes, recipients: notice.recipients,
                        retention: retention.statements, supervisoryAuthority: notice.supervisoryAuthority, notes: notes
                    )
                }, into: &consumer)
        } catch let error as StoreError where error == .notFound {
            throw Self.notFound
        }
    }

    /// Restricts processing (DPO): the subject's entries are visible to the DPO only and new
    /// entries about the subject are refused.
    public func restrict(subjectID: String, by principal: Principal, ipPrefix: String?) async throws -> SubjectSummary {
        try SubjectRightsRule().require(principal)
        return try await mapNotFound {
            try await subjects.setRestricted(
                subjectID: subjectID, true,
                audit: .by(principal.actor(ipPrefix: ipPrefix), .subjectRestricted, objectType: "subject"))
        }
    }

    /// Lifts a restriction (DPO); an erased subject stays restricted.
    public func lift(subjectID: String, by principal: Principal, ipPrefix: String?) async throws -> SubjectSummary {
        try SubjectRightsRule().require(principal)
        return try await mapNotFound {
            try await subjects.setRestricted(
                subjectID: subjectID, false,
                audit: .by(principal.actor(ipPrefix: ipPrefix), .subjectRestrictionLifted, objectType: "subject"))
        }
    }

    /// Erases every entry of the subject that no legal hold covers (DPO).
    public func erase(subjectID: String, by principal: Principal, ipPrefix: String?) async throws -> ErasureReport {
        try SubjectRightsRule().require(principal)
        return try await mapNotFound {
            try await subjects.erase(
                subjectID: subjectID, retention: retention,
                audit: .by(principal.actor(ipPrefix: ipPrefix), .subjectErased, objectType: "subject"))
        }
    }

    /// Runs the retention purge now (the background service and `postbox-server purge`).
    public func purge(dryRun: Bool) async throws -> PurgeReport {
        try await subjects.purge(
            retention: retention, dryRun: dryRun, audit: .by(nil, .retentionPurged, objectType: "retention"))
    }

    private func mapNotFound<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError where error == .notFound {
            throw Self.notFound
        }
    }
}
