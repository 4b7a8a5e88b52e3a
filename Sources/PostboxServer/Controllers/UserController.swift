import Foundation
import Hummingbird
import Logging
import Postbox

/// Account administration (admin only): create with an activation code, list, disable/enable, change role.
struct UserController {
    let accounts: AccountService
    let audit: any AuditLog

    struct CreateRequest: Decodable {
        let login: String
        let role: Role
        let displayName: String
        let organisationId: String?
        let memberNumber: String?
    }

    struct Created: ResponseEncodable {
        let id: String
        let login: String
        let role: String
        let status: String
        let activationCode: String
    }

    struct UpdateRequest: Decodable {
        let status: AccountStatus?
        let role: Role?
    }

    struct Listed: ResponseEncodable {
        struct LastTransaction: Encodable {
            let action: String
            let at: Date
        }
        let id: String
        let login: String
        let role: String
        let status: String
        let displayName: String
        let organisationId: String?
        let createdAt: Date
        let lastTransaction: LastTransaction?
    }

    struct Page<Item: Encodable>: ResponseEncodable {
        let items: [Item]
    }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.post("/v1/users", use: create)
        router.get("/v1/users", use: list)
        router.patch("/v1/users/:id", use: update)
    }

    @Sendable func create(_ request: Request, context: PostboxRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try ManageUsersRule().require(principal)
        let body = try await request.decodeJSON(as: CreateRequest.self, context: context)
        let (user, code) = try await accounts.createUser(
            NewUser(
                login: body.login, role: body.role, displayName: body.displayName, organisationID: body.organisationId,
                memberNumber: body.memberNumber),
            by: principal.actor(ipPrefix: context.clientIP))
        var response = try Created(
            id: user.id, login: user.login, role: user.role.rawValue, status: user.status.rawValue, activationCode: code
        ).response(from: request, context: context)
        response.status = .created
        return response
    }

    @Sendable func list(_ request: Request, context: PostboxRequestContext) async throws -> Page<Listed> {
        let principal = try context.requirePrincipal()
        try ManageUsersRule().require(principal)
        let users = try await accounts.listUsers()
        let last = try await audit.lastTransactions(of: users.map(\.id))
        return Page(
            items: users.map { user in
                Listed(
                    id: user.id, login: user.login, role: user.role.rawValue, status: user.status.rawValue,
                    displayName: user.displayName, organisationId: user.organisationID, createdAt: user.createdAt,
                    lastTransaction: last[user.id].map { .init(action: $0.action, at: $0.at) })
            })
    }

    @Sendable func update(_ request: Request, context: PostboxRequestContext) async throws -> UserView {
        let principal = try context.requirePrincipal()
        try ManageUsersRule().require(principal)
        let id = try context.parameters.require("id")
        let body = try await request.decodeJSON(as: UpdateRequest.self, context: context)
        guard body.status != nil || body.role != nil else {
            throw PostboxError.invalid([.init(field: "status", message: "give status and/or role")])
        }
        return UserView(
            try await accounts.updateUser(
                id: id, status: body.status, role: body.role, by: principal, ipPrefix: context.clientIP))
    }
}

/// Partner organisations (admin only).
struct OrganisationController {
    let accounts: AccountService

    struct CreateRequest: Decodable {
        let name: String
        let partnerNumber: String
    }

    struct View: ResponseEncodable {
        let id: String
        let name: String
        let partnerNumber: String
        let createdAt: Date

        init(_ organisation: Organisation) {
            id = organisation.id
            name = organisation.name
            partnerNumber = organisation.partnerNumber
            createdAt = organisation.createdAt
        }
    }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.post("/v1/organisations") { request, context -> Response in
            let principal = try context.requirePrincipal()
            try ManageOrganisationsRule().require(principal)
            let body = try await request.decodeJSON(as: CreateRequest.self, context: context)
            let organisation = try await accounts.createOrganisation(
                name: body.name, partnerNumber: body.partnerNumber, by: principal, ipPrefix: context.clientIP)
            var response = try View(organisation).response(from: request, context: context)
            response.status = .created
            return response
        }
        router.get("/v1/organisations") { _, context -> UserController.Page<View> in
            try ManageOrganisationsRule().require(try context.requirePrincipal())
            return .init(items: try await accounts.listOrganisations().map(View.init))
        }
    }
}

/// The audit log for the data-protection officer and admins.
struct AuditController {
    let audit: any AuditLog

    struct EventView: Encodable {
        let seq: Int64
        let at: Date
        let userId: String?
        let role: String?
        let action: String
        let objectType: String?
        let objectId: String?
        let outcome: String
        let ipPrefix: String?
    }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.get("/v1/audit") { request, context -> UserController.Page<EventView> in
            let principal = try context.requirePrincipal()
            try ReadAuditRule().require(principal)
            let query = try Self.query(request.uri.queryParameters)
            let events = try await audit.events(query)
            try await audit.record(.by(principal.actor(ipPrefix: context.clientIP), .auditRead, objectType: "audit"))
            return .init(
                items: events.map {
                    EventView(
                        seq: $0.seq, at: $0.at, userId: $0.userID, role: $0.role, action: $0.action,
                        objectType: $0.objectType, objectId: $0.objectID, outcome: $0.outcome.rawValue,
                        ipPrefix: $0.ipPrefix)
                })
        }
        router.get("/v1/audit/verify") { request, context -> VerificationView in
            try ReadAuditRule().require(try context.requirePrincipal())
            var anchors: [AuditAnchor] = []
            if let text = request.uri.queryParameters["anchor"] {
                guard let anchor = AuditAnchor(String(text)) else {
                    throw PostboxError.invalid([.init(field: "anchor", message: "SEQ:HASH as audit verify prints it")])
                }
                anchors.append(anchor)
            }
            return VerificationView(try await audit.verify(anchors: anchors))
        }
    }

    struct VerificationView: ResponseEncodable {
        let ok: Bool
        let events: Int64
        let firstBrokenSeq: Int64?
        let reason: String?
        /// `SEQ:HASH` of the newest event when the chain holds.
        let head: String?

        init(_ v: AuditVerification) {
            ok = v.ok
            events = v.events
            firstBrokenSeq = v.firstBrokenSeq
            reason = v.reason
            head = v.head?.description
        }
    }

    static func query(_ parameters: Parameters) throws -> AuditQuery {
        let date = { (name: String) throws -> Date? in
            guard let raw = parameters[name[...]].map(String.init) else { return nil }
            guard let value = ISO8601DateFormatter().date(from: raw) else {
                throw PostboxError.invalid([.init(field: name, message: "must be an ISO 8601 date-time")])
            }
            return value
        }
        var limit = 100
        if let raw = parameters["limit"] {
            guard let n = Int(raw), (1...1000).contains(n) else {
                throw PostboxError.invalid([.init(field: "limit", message: "must be 1-1000")])
            }
            limit = n
        }
        return AuditQuery(
            userID: parameters["user"].map(String.init), action: parameters["action"].map(String.init),
            from: try date("from"), to: try date("to"), limit: limit)
    }
}
