import Hummingbird
import Logging
import Postbox

/// `POST /v1/activate`: sets the password of a new account with its one-time activation code.
struct ActivationController {
    let accounts: AccountService

    struct ActivateRequest: Decodable {
        let login: String
        let activationCode: String
        let password: String
    }

    struct ActivatedUser: ResponseEncodable {
        let id: String
        let login: String
        let role: String
        let status: String
    }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.post("/v1/activate") { request, context in
            let body = try await request.decodeJSON(as: ActivateRequest.self, context: context)
            let user = try await accounts.activate(
                login: body.login, activationCode: body.activationCode, password: body.password,
                ipPrefix: context.clientIP)
            context.logger.info("account activated", metadata: ["user.id": "\(user.id)"])
            return ActivatedUser(id: user.id, login: user.login, role: user.role.rawValue, status: user.status.rawValue)
        }
    }
}
