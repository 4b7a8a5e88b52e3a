import Foundation
import GRDB
import PostboxTestSupport

@testable import PostboxServer

/// A populated postbox: two broker firms, advisors, members, a DPO, contracts and referrals.
struct World {
    struct Account {
        let id: String
        let token: String
    }

    let server: TestServer
    let admin: String
    let orgA: String
    let orgB: String
    let brokerA: Account
    let brokerB: Account
    let advisor: Account
    let advisor2: Account
    let member: Account
    let member2: Account
    let dpo: Account

    static let contract = "KV-100.200"
    static let contract2 = "KV-999.001"

    static func make(_ server: TestServer) async throws -> World {
        let admin = try await server.adminToken()
        // The admin accepts the terms too, so access checks (not the consent gate) answer below.
        _ = try server.expectStatus(
            204,
            try await server.client.sendJSON(
                .POST, server.url("/v1/me/consent"), ["version": server.config.termsVersion], headers: server.bearer(admin)))
        let orgA = try await server.organisation("Makler Alpha GmbH", "P-A", admin: admin)
        let orgB = try await server.organisation("Makler Beta KG", "P-B", admin: admin)
        let brokerA = try await server.makeUser("broker.a", role: "broker", adminToken: admin, organisationId: orgA)
        let brokerB = try await server.makeUser("broker.b", role: "broker", adminToken: admin, organisationId: orgB)
        let advisor = try await server.makeUser("advisor", role: "advisor", adminToken: admin)
        let advisor2 = try await server.makeUser("advisor2", role: "advisor", adminToken: admin)
        // One member exists before their contract, the other after it.
        let member = try await server.makeUser("maria", role: "member", adminToken: admin, memberNumber: "M-1001")
        _ = try server.expectStatus(
            201,
            try await server.client.sendJSON(
                .POST, server.url("/v1/contracts"),
                ["number": contract, "holder": ["surname": "Schmidt", "firstName": "Maria", "memberNumber": "M1001"],
                 "advisorId": advisor.id], headers: server.bearer(advisor.token)))
        _ = try server.expectStatus(
            201,
            try await server.client.sendJSON(
                .POST, server.url("/v1/contracts"),
                ["number": contract2, "holder": ["surname": "Yilmaz", "memberNumber": "M2002"]],
                headers: server.bearer(advisor2.token)))
        let member2 = try await server.makeUser("mehmet", role: "member", adminToken: admin, memberNumber: "m 2002")
        let dpo = try await server.makeUser("dora", role: "dpo", adminToken: admin)
        let account = { (a: (id: String, token: String)) in Account(id: a.id, token: a.token) }
        return World(
            server: server, admin: admin, orgA: orgA, orgB: orgB, brokerA: account(brokerA), brokerB: account(brokerB),
            advisor: account(advisor), advisor2: account(advisor2), member: account(member), member2: account(member2),
            dpo: account(dpo))
    }

    /// A referral by `broker` for Schmidt's car (policy number of Maria's contract unless given).
    func referral(by broker: Account, policy: String = World.contract, extra: [String: Any] = [:]) async throws -> String {
        var body: [String: Any] = [
            "surname": "Schmidt", "phone": "+49 89 1234-567", "licensePlate": "m ab 1234", "policyNumber": policy,
        ]
        body.merge(extra) { $1 }
        let response = try server.expectStatus(
            201, try await server.client.sendJSON(.POST, server.url("/v1/referrals"), body, headers: server.bearer(broker.token)))
        return try response.json()["number"] as? String ?? ""
    }

    /// A fresh token for `login` (after the test clock moved past the session lifetime).
    func relogin(_ login: String) async throws -> String {
        try await server.login(login, "passphrase of \(login) 1")
    }

    /// Opens a ticket and returns its id.
    func ticket(by account: Account, kind: String, number: String, subject: String = "Scheibe", body: String = "Bitte melden")
        async throws -> String
    {
        let response = try server.expectStatus(
            201,
            try await server.client.sendJSON(
                .POST, server.url("/v1/tickets"),
                ["reference": ["kind": kind, "number": number], "subject": subject, "body": body],
                headers: server.bearer(account.token)))
        return ((try response.json()["ticket"] as? [String: Any])?["id"] as? String) ?? ""
    }
}

extension TestServer {
    func organisation(_ name: String, _ partner: String, admin: String) async throws -> String {
        let response = try expectStatus(
            201,
            try await client.sendJSON(
                .POST, url("/v1/organisations"), ["name": name, "partnerNumber": partner], headers: bearer(admin)))
        return try response.json()["id"] as? String ?? ""
    }

    /// Throws unless `response` has `status`.
    @discardableResult
    func expectStatus(_ status: Int, _ response: CollectedResponse) throws -> CollectedResponse {
        guard response.status == status else {
            throw ProcessFailure("expected \(status), got \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        }
        return response
    }
}

/// A connection of the test's own to a server's live database. It waits for a busy file as the
/// server's connections do (10 s): without, a lock held for a moment by the server failed tests
/// under the full suite's load ("database is locked").
func testDatabase(_ path: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    return try DatabaseQueue(path: path, configuration: configuration)
}
