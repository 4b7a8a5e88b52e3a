import Foundation
import Hummingbird
import Postbox

/// `POST /v1/contracts`, `POST /v1/contracts/import` and `PATCH /v1/contracts/{number}` (advisor, admin),
/// `POST /v1/referrals` (broker), `GET /v1/referrals/{number}`.
struct ReferenceController {
    let references: ReferenceService
    let organisations: OrganisationNames

    struct ContractRequest: Decodable {
        struct HolderRequest: Decodable {
            let surname: String
            let firstName: String?
            let memberNumber: String?
        }
        let number: String
        let holder: HolderRequest
        let advisorId: String?
        let endsOn: String?
    }

    struct ContractCreated: ResponseEncodable {
        let id: String
        let number: String
    }

    /// `{"endsOn": "2026-10-31"}` sets the day, `{"endsOn": null}` clears it; the key is required.
    struct ContractEndRequest: Decodable {
        let endsOn: String?

        enum CodingKeys: String, CodingKey { case endsOn }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            guard container.contains(.endsOn) else {
                throw DecodingError.keyNotFound(
                    CodingKeys.endsOn, .init(codingPath: [], debugDescription: "endsOn is required (a day or null)"))
            }
            endsOn = try container.decodeIfPresent(String.self, forKey: .endsOn)
        }
    }

    struct ContractView: ResponseEncodable {
        let id: String
        let number: String
        /// `YYYY-MM-DD`, or null while the contract runs (written as null, not left out).
        let endsOn: String?

        enum CodingKeys: String, CodingKey { case id, number, endsOn }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(number, forKey: .number)
            try container.encode(endsOn, forKey: .endsOn)
        }
    }

    struct ImportReportView: ResponseEncodable {
        struct Rejection: Encodable {
            let line: Int
            let reason: String
        }
        let imported: Int
        let rejected: [Rejection]
    }

    struct ReferralRequest: Decodable {
        let surname: String
        let phone: String
        let licensePlate: String
        let policyNumber: String
        let firstName: String?
        let email: String?
        let damageType: DamageType?
        let remarks: String?
        let consent: Bool?
        let acknowledgeSpecialCategories: Bool?
    }

    struct ReferralCreated: ResponseEncodable {
        let number: String
        let serviceNumber: String
        /// Findings in the remarks (policy `warn`); empty when none.
        let findings: [FindingView]
    }

    struct ReferralView: ResponseEncodable {
        let number: String
        let serviceNumber: String
        let organisationId: String?
        let surname: String
        let phone: String
        let licensePlate: String
        let policyNumber: String
        let firstName: String?
        let email: String?
        let damageType: DamageType?
        let remarks: String?
        let consent: Bool
        let origin: OriginView
    }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.post("/v1/contracts") { request, context -> Response in
            let principal = try context.requirePrincipal()
            let body = try await request.decodeJSON(as: ContractRequest.self, context: context)
            let contract = try await references.registerContract(
                number: body.number,
                holder: Holder(
                    surname: body.holder.surname, firstName: body.holder.firstName,
                    memberNumber: body.holder.memberNumber),
                advisorID: body.advisorId, endsOn: body.endsOn, by: principal, channel: context.channel, ipPrefix: context.clientIP)
            return try ContractCreated(id: contract.id, number: contract.number).created(request, context)
        }
        router.patch("/v1/contracts/:number") { request, context -> ContractView in
            let principal = try context.requirePrincipal()
            let body = try await request.decodeJSON(as: ContractEndRequest.self, context: context, allowingNull: true)
            let raw = try context.parameters.require("number")
            let contract = try await references.setContractEnd(
                number: raw.removingPercentEncoding ?? raw, endsOn: body.endsOn, by: principal,
                ipPrefix: context.clientIP)
            return ContractView(
                id: contract.id, number: contract.number, endsOn: contract.endsAt.map(ReferenceService.dayText))
        }
        router.post("/v1/contracts/import") { request, context -> ImportReportView in
            let principal = try context.requirePrincipal()
            guard let contentType = request.headers.value(of: .contentType),
                Request.contentType(contentType, is: "text/csv")
            else {
                throw HTTPError(.unsupportedMediaType)
            }
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
                throw Problem(
                    slug: "malformed-request", title: "Malformed request", status: .badRequest,
                    detail: "The body is not UTF-8 text.")
            }
            let report = try await references.importContracts(
                csv: text, by: principal, channel: context.channel, ipPrefix: context.clientIP)
            return ImportReportView(
                imported: report.imported, rejected: report.rejected.map { .init(line: $0.line, reason: $0.reason) })
        }
        router.post("/v1/referrals") { request, context -> Response in
            let principal = try context.requirePrincipal()
            let body = try await request.decodeJSON(as: ReferralRequest.self, context: context)
            let (referral, findings) = try await references.createReferral(
                .init(
                    surname: body.surname, phone: body.phone, licensePlate: body.licensePlate,
                    policyNumber: body.policyNumber, firstName: body.firstName, email: body.email,
                    damageType: body.damageType, remarks: body.remarks, consent: body.consent ?? false,
                    acknowledgeSpecialCategories: body.acknowledgeSpecialCategories ?? false),
                by: principal, channel: context.channel, ipPrefix: context.clientIP)
            return try ReferralCreated(
                number: referral.number, serviceNumber: referral.serviceNumber, findings: findings.map(FindingView.init)
            ).created(request, context)
        }
        router.get("/v1/referrals/:number") { _, context -> ReferralView in
            let principal = try context.requirePrincipal()
            let referral = try await references.referral(
                number: try context.parameters.require("number"), by: principal, ipPrefix: context.clientIP)
            let d = referral.details
            let names = await organisations.names(for: [referral.origin])
            return ReferralView(
                number: referral.number, serviceNumber: referral.serviceNumber, organisationId: referral.organisationID,
                surname: d.surname, phone: d.phone, licensePlate: d.licensePlate, policyNumber: d.policyNumber,
                firstName: d.firstName, email: d.email, damageType: d.damageType, remarks: d.remarks,
                consent: d.consent, origin: OriginView(referral.origin, organisations: names))
        }
    }
}

extension OrganisationNames {
    /// Names of the organisations in `origins`, read only for a principal who sees origins.
    func names(for origins: [Origin], shownTo principal: Principal) async -> [String: String] {
        TicketController.seesOrigins(principal) ? await names(for: origins) : [:]
    }

    /// For pages: the caller takes the ids out of its entries, so that no entry is copied to
    /// hand over its origin; they are only taken for a principal who sees origins.
    func names(
        ofOrganisations ids: @autoclosure () -> [String], shownTo principal: Principal
    ) async -> [String: String] {
        TicketController.seesOrigins(principal) ? await names(ofOrganisations: ids()) : [:]
    }
}

/// The origin of an entry as advisors and the DPO see it.
struct OriginView: Encodable {
    let authorId: String?
    let role: String?
    let organisationId: String?
    /// The name of the organisation (a broker's firm), so that nobody has to look the id up.
    let organisationName: String?
    let channel: String
    let ipPrefix: String?
    let createdAt: Date

    /// - Parameter organisations: names by id (``OrganisationNames``).
    init(_ origin: borrowing Origin, organisations: [String: String]) {
        authorId = origin.authorID
        role = origin.role?.rawValue
        organisationId = origin.organisationID
        organisationName = origin.organisationID.flatMap { organisations[$0] }
        channel = origin.channel
        ipPrefix = origin.ipPrefix
        createdAt = origin.createdAt
    }
}

extension ResponseEncodable {
    /// The value as a 201 response.
    func created(_ request: Request, _ context: PostboxRequestContext) throws -> Response {
        var response = try self.response(from: request, context: context)
        response.status = .created
        return response
    }
}
