import Foundation

/// Registering contracts and referrals, with validation, normalisation and subject linking.
public struct ReferenceService: Sendable {
    let references: any ReferenceRepository
    let users: any UserRepository
    let audit: any AuditLog
    let settings: TicketSettings
    let screener: EntryScreener
    let now: Now

    public init(
        references: any ReferenceRepository, users: any UserRepository, audit: any AuditLog, settings: TicketSettings,
        screener: EntryScreener, now: @escaping Now
    ) {
        self.references = references
        self.users = users
        self.audit = audit
        self.settings = settings
        self.screener = screener
        self.now = now
    }

    /// A name: 1-100 printable characters on one line.
    static func name(_ raw: String?, field: String, required: Bool, issues: inout [PostboxError.FieldIssue]) -> String? {
        guard let raw else {
            if required { issues.append(.init(field: field, message: "is required")) }
            return nil
        }
        guard let text = FreeText.clean(raw, multiline: false, maxLength: 100), !text.isEmpty else {
            issues.append(.init(field: field, message: "1-100 printable characters"))
            return nil
        }
        return text
    }

    /// Registers a contract; a member with the holder's member number is linked to it.
    ///
    /// - Parameter endsOn: the day the contract ended (`YYYY-MM-DD`), if it did.
    public func registerContract(
        number: String, holder: Holder, advisorID: String?, endsOn: String? = nil, by principal: Principal,
        channel: String, ipPrefix: String?
    ) async throws -> Contract {
        try RegisterContractRule().require(principal)
        return try await register(
            number: number, holder: holder, advisorID: advisorID, endsOn: endsOn,
            actor: principal.actor(ipPrefix: ipPrefix), channel: channel)
    }

    /// Sets the day a contract ended (`YYYY-MM-DD`), or clears it with nil (the contract runs
    /// again). The legal hold on the contract's correspondence runs from that day, also for
    /// tickets already held after an erasure: retention reads the day when it runs.
    ///
    /// Allowed while the holder's processing is restricted, as it is after an erasure that left
    /// correspondence under the hold: the day adds nothing about the person and only decides
    /// when the held correspondence goes. Every change is audited (`contract.end`).
    ///
    /// - Returns: the contract's id and number and the day as stored (its start, UTC).
    /// - Throws: 403 for other roles, 404 when there is no such contract, 422 for a day that is
    ///   not one.
    public func setContractEnd(number: String, endsOn: String?, by principal: Principal, ipPrefix: String?)
        async throws -> (id: String, number: String, endsAt: Date?)
    {
        try RegisterContractRule().require(principal)
        var endsAt: Date?
        if let endsOn {
            guard let day = Self.day(endsOn) else {
                throw PostboxError.invalid([.init(field: "endsOn", message: "a day like 2025-12-31")])
            }
            endsAt = day
        }
        guard let normalised = Identifier.policyNumber(number),
            let id = try await references.setContractEnd(
                number: normalised, endsAt: endsAt,
                audit: .by(principal.actor(ipPrefix: ipPrefix), .contractEndChanged, objectType: "contract"))
        else { throw PostboxError(.notFound, detail: "no such contract") }
        return (id, normalised, endsAt)
    }

    /// A calendar day `YYYY-MM-DD` as the start of that day in UTC.
    /// Days that do not exist (2026-02-30) are refused.
    public static func day(_ text: String) -> Date? {
        guard let match = text.wholeMatch(of: /([0-9]{4})-([0-9]{2})-([0-9]{2})/),
            let year = Int(match.1), let month = Int(match.2), let day = Int(match.3)
        else { return nil }
        let days = CivilTime.days(year: year, month: month, day: day)
        guard (1...12).contains(month), CivilTime.date(days: days) == (year, month, day) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(days) * 86_400)
    }

    /// The UTC calendar day of `date` as `YYYY-MM-DD`.
    public static func dayText(_ date: Date) -> String {
        var bytes: [UInt8] = []
        CivilTime.parts(date).append(to: &bytes, separator: UInt8(ascii: " "), milliseconds: false)
        return String(decoding: bytes.prefix(10), as: UTF8.self)
    }

    private func register(
        number: String, holder: Holder, advisorID: String?, endsOn: String?, actor: Actor, channel: String
    ) async throws -> Contract {
        var issues: [PostboxError.FieldIssue] = []
        let endsAt = endsOn.flatMap { raw -> Date? in
            let day = Self.day(raw)
            if day == nil { issues.append(.init(field: "endsOn", message: "a day like 2025-12-31")) }
            return day
        }
        let normalised = Identifier.policyNumber(number)
        if normalised == nil { issues.append(.init(field: "number", message: "3-32 letters, digits or -./")) }
        let surname = Self.name(holder.surname, field: "holder.surname", required: true, issues: &issues)
        let firstName = Self.name(holder.firstName, field: "holder.firstName", required: false, issues: &issues)
        let member = holder.memberNumber.map(Identifier.memberNumber)
        if let member, !Identifier.isValidMemberNumber(member) {
            issues.append(.init(field: "holder.memberNumber", message: "1-32 letters and digits"))
        }
        guard issues.isEmpty, let normalised, let surname else { throw PostboxError.invalid(issues) }
        var identifiers = [SubjectIdentifier(.policyNumber, Identifier.policyIndexForm(normalised), strong: true)]
        if let member { identifiers.append(SubjectIdentifier(.memberNumber, member, strong: true)) }
        return try await references.createContract(
            number: normalised, holder: Holder(surname: surname, firstName: firstName, memberNumber: member),
            advisorID: advisorID, endsAt: endsAt, identifiers: identifiers,
            origin: Origin(
                authorID: actor.userID, role: actor.role, organisationID: actor.organisationID, channel: channel,
                ipPrefix: actor.ipPrefix, createdAt: now()),
            audit: .by(actor, .contractCreated, objectType: "contract"))
    }

    // MARK: - Bulk import

    /// Outcome of a CSV import: how many contracts were registered and which lines were not.
    public struct ImportReport: Sendable, Codable, Equatable {
        public struct Rejection: Sendable, Codable, Equatable {
            /// Line number in the file (the header is line 1).
            public let line: Int
            public let reason: String
        }
        public var imported: Int = 0
        public var rejected: [Rejection] = []
    }

    /// Registers contracts from CSV for an advisor or admin over the API (see ``importContracts(csv:by:channel:progress:)``).
    public func importContracts(csv text: String, by principal: Principal, channel: String, ipPrefix: String?)
        async throws -> ImportReport
    {
        try RegisterContractRule().require(principal)
        return try await importContracts(csv: text, by: principal.actor(ipPrefix: ipPrefix), channel: channel)
    }

    /// Columns of the import file; `number` and `surname` are required.
    public static let importColumns = ["number", "surname", "firstName", "memberNumber", "advisorLogin", "endsOn"]

    /// Registers every valid line of a CSV file (comma or semicolon separated, header line
    /// naming ``importColumns``). Each line stands alone: a bad line is reported, the rest go in.
    ///
    /// - Parameters:
    ///   - actor: who imports (an admin or advisor over the API; nobody for the operator command).
    ///   - progress: called after each line with (done, total).
    public func importContracts(
        csv text: String, by actor: Actor, channel: String, progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async throws -> ImportReport {
        let table: CSVTable
        do {
            table = try CSVTable(text)
        } catch {
            throw PostboxError.invalid([.init(field: "file", message: "not a readable CSV file")])
        }
        let missing = ["number", "surname"].filter { !table.header.contains($0) }
        guard missing.isEmpty else {
            throw PostboxError.invalid([
                .init(field: "file", message: "header must name \(Self.importColumns.joined(separator: ", ")); missing \(missing.joined(separator: ", "))")
            ])
        }
        var report = ImportReport()
        for (index, row) in table.rows.enumerated() {
            let line = index + 2
            let value = { (column: String) -> String? in
                row[column].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            }
            do {
                var advisorID: String?
                if let login = value("advisorLogin") {
                    guard let advisor = try await users.user(login: login), advisor.role == .advisor else {
                        throw PostboxError.invalid([.init(field: "advisorLogin", message: "no such advisor")])
                    }
                    advisorID = advisor.id
                }
                _ = try await register(
                    number: value("number") ?? "",
                    holder: Holder(surname: value("surname") ?? "", firstName: value("firstName"), memberNumber: value("memberNumber")),
                    advisorID: advisorID, endsOn: value("endsOn"), actor: actor, channel: channel)
                report.imported += 1
            } catch let error as PostboxError {
                let fields = error.fields.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
                report.rejected.append(.init(line: line, reason: fields.isEmpty ? error.detail : fields))
            }
            progress?(index + 1, table.rows.count)
        }
        return report
    }

    /// What a broker sends for a referral, before validation.
    public struct ReferralInput: Sendable {
        public var surname: String
        public var phone: String
        public var licensePlate: String
        public var policyNumber: String
        public var firstName: String?
        public var email: String?
        public var damageType: DamageType?
        public var remarks: String?
        public var consent: Bool
        public var acknowledgeSpecialCategories: Bool

        public init(
            surname: String, phone: String, licensePlate: String, policyNumber: String, firstName: String?,
            email: String?, damageType: DamageType?, remarks: String?, consent: Bool,
            acknowledgeSpecialCategories: Bool = false
        ) {
            self.acknowledgeSpecialCategories = acknowledgeSpecialCategories
            self.surname = surname
            self.phone = phone
            self.licensePlate = licensePlate
            self.policyNumber = policyNumber
            self.firstName = firstName
            self.email = email
            self.damageType = damageType
            self.remarks = remarks
            self.consent = consent
        }
    }

    /// Records a referral for the broker's organisation. Optional fields need `consent`.
    public func createReferral(_ input: ReferralInput, by principal: Principal, channel: String, ipPrefix: String?)
        async throws -> (Referral, [FieldFinding])
    {
        try CreateReferralRule().require(principal)
        var issues: [PostboxError.FieldIssue] = []
        let surname = Self.name(input.surname, field: "surname", required: true, issues: &issues)
        let phone = Identifier.phone(input.phone)
        if phone == nil { issues.append(.init(field: "phone", message: "6-15 digits, optionally with a leading +")) }
        let plate = Identifier.licencePlate(input.licensePlate)
        if plate == nil { issues.append(.init(field: "licensePlate", message: "a German plate like M-AB 1234")) }
        let policy = Identifier.policyNumber(input.policyNumber)
        if policy == nil { issues.append(.init(field: "policyNumber", message: "3-32 letters, digits or -./")) }

        let optional: [(String, Bool)] = [
            ("firstName", input.firstName != nil), ("email", input.email != nil),
            ("damageType", input.damageType != nil), ("remarks", input.remarks != nil),
        ]
        if !input.consent {
            for (field, present) in optional where present {
                issues.append(.init(field: field, message: "only with consent: true (the customer agreed to pass it on)"))
            }
        }
        let firstName = Self.name(input.firstName, field: "firstName", required: false, issues: &issues)
        let email = input.email.flatMap { raw -> String? in
            let value = Identifier.email(raw)
            if value == nil { issues.append(.init(field: "email", message: "not an e-mail address")) }
            return value
        }
        let remarks = input.remarks.flatMap { raw -> String? in
            guard let text = FreeText.clean(raw, multiline: true, maxLength: settings.text.remarksMaxLength) else {
                issues.append(.init(field: "remarks", message: "at most \(settings.text.remarksMaxLength) printable characters"))
                return nil
            }
            return text.isEmpty ? nil : text
        }
        guard issues.isEmpty, let surname, let phone, let plate, let policy else { throw PostboxError.invalid(issues) }
        let screening = try remarks.map {
            try screener.screen(
                [("remarks", $0)], role: principal.role, acknowledged: input.acknowledgeSpecialCategories,
                holdable: false)[0]
        }

        var identifiers = [
            SubjectIdentifier(.policyNumber, Identifier.policyIndexForm(policy), strong: true),
            SubjectIdentifier(.licencePlate, plate.filter { $0 != " " && $0 != "-" }),
            SubjectIdentifier(.phone, phone),
            SubjectIdentifier(.surnamePhone, Identifier.surnameIndexForm(surname) + "|" + phone),
        ]
        if let email { identifiers.append(SubjectIdentifier(.email, email)) }
        let details = ReferralDetails(
            surname: surname, phone: phone, licensePlate: plate, policyNumber: policy, firstName: firstName, email: email,
            damageType: input.damageType, remarks: remarks, consent: input.consent)
        let referral = try await references.createReferral(
            details: details, organisationID: principal.organisationID,
            serviceNumberPrefix: settings.serviceNumberPrefix, identifiers: identifiers, remarksScreening: screening,
            origin: Origin(
                authorID: principal.userID, role: principal.role, organisationID: principal.organisationID,
                channel: channel, ipPrefix: ipPrefix, createdAt: now()),
            audit: .by(principal.actor(ipPrefix: ipPrefix), .referralCreated, objectType: "referral"))
        return (referral, screening.map { [$0].fieldFindings } ?? [])
    }

    /// The referral `number` if the principal may read it (404 otherwise); the read is audited.
    public func referral(number: String, by principal: Principal, ipPrefix: String?) async throws -> Referral {
        guard let (referral, scope) = try await references.referral(number: number),
            ReadReferralRule().permits(principal, scope)
        else { throw PostboxError(.notFound, detail: "no such referral") }
        try await audit.record(
            .by(principal.actor(ipPrefix: ipPrefix), .referralRead, objectType: "referral", objectID: referral.id))
        return referral
    }
}
