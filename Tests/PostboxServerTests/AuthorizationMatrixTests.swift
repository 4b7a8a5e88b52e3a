import Foundation
import GRDB
import PostboxTestSupport
import Testing

@testable import PostboxServer

@Suite("Object-level access: every endpoint × role × foreign object answers 404")
struct AuthorizationMatrixTests {
    struct Objects {
        let ticketA: String
        let messageA: String
        let referralA: String
        let ticket2: String
        let message2: String
    }

    /// Every ticket/message/referral endpoint applied to one object; returns the statuses.
    func statuses(
        _ server: TestServer, token: String, ticket: String, message: String, referral: String,
        contract: String
    ) async throws -> [String: Int] {
        let h = server.bearer(token)
        let c = server.client
        var result: [String: Int] = [:]
        result["GET ticket"] = try await c.send(.GET, server.url("/v1/tickets/\(ticket)"), headers: h).status
        result["GET messages"] = try await c.send(.GET, server.url("/v1/tickets/\(ticket)/messages"), headers: h).status
        result["POST message"] = try await c.sendJSON(.POST, server.url("/v1/tickets/\(ticket)/messages"), ["body": "probe"], headers: h).status
        result["PATCH ticket"] = try await c.sendJSON(.PATCH, server.url("/v1/tickets/\(ticket)"), ["status": "closed"], headers: h).status
        result["PATCH message"] = try await c.sendJSON(
            .PATCH, server.url("/v1/messages/\(message)"), ["body": "probe", "reason": "probe"], headers: h).status
        result["GET referral"] = try await c.send(.GET, server.url("/v1/referrals/\(referral)"), headers: h).status
        result["POST ticket on referral"] = try await c.sendJSON(
            .POST, server.url("/v1/tickets"), ["reference": ["kind": "referral", "number": referral], "subject": "s", "body": "b"],
            headers: h).status
        result["POST ticket on contract"] = try await c.sendJSON(
            .POST, server.url("/v1/tickets"), ["reference": ["kind": "contract", "number": contract], "subject": "s", "body": "b"],
            headers: h).status
        return result
    }

    func firstMessage(_ server: TestServer, ticket: String, token: String) async throws -> String {
        let page = try await server.client.send(.GET, server.url("/v1/tickets/\(ticket)/messages"), headers: server.bearer(token))
        return (try page.json()["items"] as? [[String: Any]])?.first?["id"] as? String ?? ""
    }

    @Test func foreignObjectsNeverLeak() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let referralA = try await world.referral(by: world.brokerA)
            let ticketA = try await world.ticket(by: world.brokerA, kind: "referral", number: referralA)
            _ = try server.expectStatus(200, try await server.client.sendJSON(
                .PATCH, server.url("/v1/tickets/\(ticketA)"), ["assigneeId": world.advisor.id], headers: server.bearer(world.advisor.token)))
            let ticket2 = try await world.ticket(by: world.member2, kind: "contract", number: World.contract2)
            _ = try server.expectStatus(200, try await server.client.sendJSON(
                .PATCH, server.url("/v1/tickets/\(ticket2)"), ["assigneeId": world.advisor2.id], headers: server.bearer(world.advisor2.token)))
            let messageA = try await firstMessage(server, ticket: ticketA, token: world.brokerA.token)
            let message2 = try await firstMessage(server, ticket: ticket2, token: world.member2.token)
            let referralB = try await world.referral(by: world.brokerB, policy: "XX-555")

            // (who, ticket, message, referral, contract) that the caller may not touch.
            let foreign: [(String, String, String, String, String, String)] = [
                ("broker of another firm", world.brokerB.token, ticketA, messageA, referralA, World.contract),
                ("broker on a contract ticket", world.brokerA.token, ticket2, message2, referralB, World.contract2),
                ("another member", world.member2.token, ticketA, messageA, referralA, World.contract),
                ("member on someone else's contract", world.member.token, ticket2, message2, referralB, World.contract2),
                ("advisor not assigned", world.advisor.token, ticket2, message2, "RF-0000-000000", "KV-NONE"),
                ("advisor not assigned (2)", world.advisor2.token, ticketA, messageA, "RF-0000-000000", "KV-NONE"),
                ("admin", world.admin, ticketA, messageA, referralA, World.contract),
            ]
            for (who, token, ticket, message, referral, contract) in foreign {
                let result = try await statuses(
                    server, token: token, ticket: ticket, message: message, referral: referral, contract: contract)
                for (endpoint, status) in result.sorted(by: { $0.key < $1.key }) {
                    #expect(status == 404, "\(who): \(endpoint) answered \(status)")
                }
                let list = try await server.client.send(.GET, server.url("/v1/tickets"), headers: server.bearer(token))
                let ids = (try list.json()["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(!ids.contains(ticket), "\(who) lists a foreign ticket")
            }

            // The owners reach the same objects, so the 404s above are about access, not existence.
            #expect(try await server.client.send(.GET, server.url("/v1/tickets/\(ticketA)"), headers: server.bearer(world.brokerA.token)).status == 200)
            #expect(try await server.client.send(.GET, server.url("/v1/tickets/\(ticketA)"), headers: server.bearer(world.member.token)).status == 200)
            #expect(try await server.client.send(.GET, server.url("/v1/tickets/\(ticket2)"), headers: server.bearer(world.member2.token)).status == 200)
            #expect(try await server.client.send(.GET, server.url("/v1/tickets/\(ticket2)"), headers: server.bearer(world.advisor2.token)).status == 200)
            #expect(try await server.client.send(.GET, server.url("/v1/tickets/\(ticketA)"), headers: server.bearer(world.dpo.token)).status == 200)
            #expect(try await server.client.send(.GET, server.url("/v1/referrals/\(referralA)"), headers: server.bearer(world.advisor2.token)).status == 200)

            // Every content read was audited.
            let reads = try await server.client.send(
                .GET, server.url("/v1/audit?action=ticket.read&limit=1000"), headers: server.bearer(world.dpo.token))
            #expect((try reads.json()["items"] as? [Any])?.count == 5)
        }
    }
}
