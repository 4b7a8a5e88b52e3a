import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Postbox

/// Login, logout, the caller's own account and consent.
struct SessionController {
    let sessions: SessionService
    let accounts: AccountService
    let termsVersion: String

    struct LoginRequest: Decodable {
        let login: String
        let password: String
    }

    struct LoginResponse: ResponseEncodable {
        let token: String
        let csrfToken: String
        let expiresAt: Date
        let user: UserView
    }

    struct Me: ResponseEncodable {
        let id: String
        let login: String
        let role: String
        let displayName: String
        let organisationId: String?
        let consentRequired: String
        let consentAccepted: String?

        enum CodingKeys: String, CodingKey {
            case id, login, role, displayName, organisationId, consentRequired, consentAccepted
        }

        /// Absent values are written as `null`, as the API document promises.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(login, forKey: .login)
            try c.encode(role, forKey: .role)
            try c.encode(displayName, forKey: .displayName)
            try c.encode(organisationId, forKey: .organisationId)
            try c.encode(consentRequired, forKey: .consentRequired)
            try c.encode(consentAccepted, forKey: .consentAccepted)
        }
    }

    struct ConsentRequest: Decodable {
        let version: String
    }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.post("/v1/session", use: login)
        router.delete("/v1/session", use: logout)
        router.get("/v1/me", use: me)
        router.post("/v1/me/consent", use: acceptConsent)
        router.delete("/v1/me/consent", use: withdrawConsent)
    }

    @Sendable func login(_ request: Request, context: PostboxRequestContext) async throws -> Response {
        let body = try await request.decodeJSON(as: LoginRequest.self, context: context)
        let issued = try await sessions.login(login: body.login, password: body.password, ipPrefix: context.clientIP)
        var response = try LoginResponse(
            token: issued.token, csrfToken: issued.csrfToken, expiresAt: issued.expiresAt, user: UserView(issued.user)
        ).response(from: request, context: context)
        response.status = .created
        response.headers.append(.init(name: .setCookie, value: Self.cookie(AuthenticationMiddleware.cookieName, issued.token, httpOnly: true)))
        response.headers.append(.init(name: .setCookie, value: Self.cookie(AuthenticationMiddleware.csrfCookieName, issued.csrfToken, httpOnly: false)))
        return response
    }

    @Sendable func logout(_ request: Request, context: PostboxRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try await sessions.logout(principal, ipPrefix: context.clientIP)
        var response = Response(status: .noContent)
        for name in [AuthenticationMiddleware.cookieName, AuthenticationMiddleware.csrfCookieName] {
            response.headers.append(.init(name: .setCookie, value: "\(name)=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"))
        }
        return response
    }

    @Sendable func me(_ request: Request, context: PostboxRequestContext) async throws -> Me {
        let principal = try context.requirePrincipal()
        guard let user = try await accounts.user(id: principal.userID) else {
            throw PostboxError(.unauthorised, detail: "the account no longer exists")
        }
        return Me(
            id: user.id, login: user.login, role: user.role.rawValue, displayName: user.displayName,
            organisationId: user.organisationID, consentRequired: termsVersion, consentAccepted: principal.consentVersion)
    }

    @Sendable func acceptConsent(_ request: Request, context: PostboxRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        let body = try await request.decodeJSON(as: ConsentRequest.self, context: context)
        try await accounts.acceptConsent(
            version: body.version, current: termsVersion, by: principal, ipPrefix: context.clientIP)
        return Response(status: .noContent)
    }

    @Sendable func withdrawConsent(_ request: Request, context: PostboxRequestContext) async throws -> Response {
        let principal = try context.requirePrincipal()
        try await accounts.withdrawConsent(by: principal, ipPrefix: context.clientIP)
        return Response(status: .noContent)
    }

    static func cookie(_ name: String, _ value: String, httpOnly: Bool) -> String {
        "\(name)=\(value); Path=/; Secure;\(httpOnly ? " HttpOnly;" : "") SameSite=Strict"
    }
}

/// An account as the API shows it (no hashes, no member number).
struct UserView: ResponseEncodable {
    let id: String
    let login: String
    let role: String
    let status: String
    let displayName: String
    let organisationId: String?
    let createdAt: Date

    init(_ user: User) {
        id = user.id
        login = user.login
        role = user.role.rawValue
        status = user.status.rawValue
        displayName = user.displayName
        organisationId = user.organisationID
        createdAt = user.createdAt
    }
}
