import Foundation
import GRDB
import PostboxTestSupport
import Testing

@testable import PostboxServer

@Suite("Tickets on referrals and contracts over TLS")
struct TicketTests {
    @Test func aBrokerRefersTheAdvisorAnswersTheMemberReads() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let number = try await world.referral(
                by: world.brokerA,
                extra: ["consent": true, "firstName": "Maria", "damageType": "glass", "email": "Maria@Example.org",
                        "remarks": "Steinschlag auf der A9"])
            let referral = try server.expectStatus(
                200, try await server.client.send(.GET, server.url("/v1/referrals/\(number)"), headers: server.bearer(world.brokerA.token)))
            let details = try referral.json()
            #expect(details["licensePlate"] as? String == "M-AB 1234")
            #expect(details["phone"] as? String == "+498912345 67".replacingOccurrences(of: " ", with: ""))
            #expect(details["serviceNumber"] as? String == "SV-000001")
            #expect(details["email"] as? String == "maria@example.org")
            #expect((details["origin"] as? [String: Any])?["organisationId"] as? String == world.orgA)
            #expect((details["origin"] as? [String: Any])?["organisationName"] as? String == "Makler Alpha GmbH")

            let ticketID = try await world.ticket(by: world.brokerA, kind: "referral", number: number,
                                                  subject: "Glasschaden", body: "Kunde bittet um Termin.")
            let queue = try await server.client.send(.GET, server.url("/v1/tickets"), headers: server.bearer(world.advisor.token))
            let queued = try #require(try queue.json()["items"] as? [[String: Any]])
            #expect(queued.contains { $0["id"] as? String == ticketID })
            // Advisors see where an entry came from: the broker's organisation by id and name.
            let queuedOrigin = queued.first { $0["id"] as? String == ticketID }?["origin"] as? [String: Any]
            #expect(queuedOrigin?["organisationId"] as? String == world.orgA)
            #expect(queuedOrigin?["organisationName"] as? String == "Makler Alpha GmbH")

            let answer = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticketID)/messages"), ["body": "Termin am Montag um 9 Uhr."],
                headers: server.bearer(world.advisor.token) + [("X-Postbox-Channel", "cli")])
            #expect(answer.status == 201)
            #expect((try answer.json()["origin"] as? [String: Any])?["channel"] as? String == "cli")
            let afterAnswer = try await server.client.send(
                .GET, server.url("/v1/tickets/\(ticketID)"), headers: server.bearer(world.advisor.token))
            #expect(try afterAnswer.json()["status"] as? String == "answered")
            let advisorView = try server.expectStatus(
                200, try await server.client.send(
                    .GET, server.url("/v1/tickets/\(ticketID)/messages"), headers: server.bearer(world.advisor.token)))
            let origins = try #require(try advisorView.json()["items"] as? [[String: Any]]).map { $0["origin"] as? [String: Any] }
            #expect(origins.map { $0?["organisationName"] as? String } == ["Makler Alpha GmbH", nil], "the advisor has none")

            // The member is linked to the referral's subject through the contract's policy number.
            let memberView = try server.expectStatus(
                200, try await server.client.send(
                    .GET, server.url("/v1/tickets/\(ticketID)/messages"), headers: server.bearer(world.member.token)))
            let messages = try #require(try memberView.json()["items"] as? [[String: Any]])
            #expect(messages.map { $0["body"] as? String } == ["Kunde bittet um Termin.", "Termin am Montag um 9 Uhr."])
            #expect(messages.allSatisfy { $0["origin"] == nil }, "members do not see origins")
            #expect(messages[1]["authorRole"] as? String == "advisor")

            let reply = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticketID)/messages"), ["body": "Passt, danke."],
                headers: server.bearer(world.member.token))
            #expect(reply.status == 201)
            let memberList = try await server.client.send(.GET, server.url("/v1/tickets"), headers: server.bearer(world.member.token))
            let mine = try #require(try memberList.json()["items"] as? [[String: Any]])
            #expect(mine.map { $0["id"] as? String } == [ticketID])
            #expect(mine.first?["status"] as? String == "open")
        }
    }

    @Test func statusAssignmentClosingAndReopening() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let ticketID = try await world.ticket(by: world.member, kind: "contract", number: World.contract)
            let assign = try await server.client.sendJSON(
                .PATCH, server.url("/v1/tickets/\(ticketID)"), ["assigneeId": world.advisor.id, "status": "closed"],
                headers: server.bearer(world.advisor.token))
            #expect(assign.status == 200)
            #expect(try assign.json()["assigneeId"] as? String == world.advisor.id)
            let byMember = try await server.client.sendJSON(
                .PATCH, server.url("/v1/tickets/\(ticketID)"), ["status": "open"], headers: server.bearer(world.member.token))
            #expect(byMember.status == 403)
            let notAnAdvisor = try await server.client.sendJSON(
                .PATCH, server.url("/v1/tickets/\(ticketID)"), ["assigneeId": world.member.id],
                headers: server.bearer(world.advisor.token))
            #expect(notAnAdvisor.status == 422)

            let advisorOnClosed = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticketID)/messages"), ["body": "x"], headers: server.bearer(world.advisor.token))
            #expect(advisorOnClosed.status == 409)
            // Sessions expire while the clock moves on by days: log in again each time.
            server.clock.advance(by: 29 * 86_400)
            let maria = try await world.relogin("maria")
            let reopen = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticketID)/messages"), ["body": "Noch eine Frage"],
                headers: server.bearer(maria))
            #expect(reopen.status == 201)
            let reopened = try await server.client.send(.GET, server.url("/v1/tickets/\(ticketID)"), headers: server.bearer(maria))
            #expect(try reopened.json()["status"] as? String == "open")
            let activityAtReopen = try #require(try reopened.json()["lastActivityAt"] as? String)
            // A reply that leaves the status as it is still moves the ticket's last activity on.
            server.clock.advance(by: 60)
            let followUp = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticketID)/messages"), ["body": "Und noch etwas"],
                headers: server.bearer(maria))
            #expect(followUp.status == 201)
            let afterFollowUp = try await server.client.send(.GET, server.url("/v1/tickets/\(ticketID)"), headers: server.bearer(maria))
            #expect(try afterFollowUp.json()["status"] as? String == "open")
            let activityAfter = try #require(try afterFollowUp.json()["lastActivityAt"] as? String)
            #expect(activityAfter > activityAtReopen, "\(activityAtReopen) → \(activityAfter)")
            let close = try await server.client.sendJSON(
                .PATCH, server.url("/v1/tickets/\(ticketID)"), ["status": "closed"],
                headers: server.bearer(try await world.relogin("advisor")))
            #expect(close.status == 200)
            server.clock.advance(by: 31 * 86_400)
            let tooLate = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticketID)/messages"), ["body": "Hallo?"],
                headers: server.bearer(try await world.relogin("maria")))
            #expect(tooLate.status == 409)
            // Advisor 2 does not see a ticket assigned to advisor 1 on a contract advised by advisor 1.
            let other = try await world.relogin("advisor2")
            #expect(try await server.client.send(.GET, server.url("/v1/tickets/\(ticketID)"), headers: server.bearer(other)).status == 404)
        }
    }

    @Test func badInputIsRejectedAndNothingIsWritten() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let base: [String: Any] = ["surname": "Schmidt", "phone": "089 123456", "licensePlate": "M-AB 1234", "policyNumber": "KV-1"]
            let noConsent = try await server.client.sendJSON(
                .POST, server.url("/v1/referrals"), base.merging(["remarks": "x", "email": "a@b.de"]) { $1 },
                headers: server.bearer(world.brokerA.token))
            #expect(noConsent.status == 422)
            let fields = (try noConsent.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(Set(fields ?? []) == ["remarks", "email"])
            for (field, value) in [("licensePlate", "12345"), ("phone", "abc"), ("policyNumber", "!"), ("surname", "")] {
                let bad = try await server.client.sendJSON(
                    .POST, server.url("/v1/referrals"), base.merging([field: value]) { $1 },
                    headers: server.bearer(world.brokerA.token))
                #expect(bad.status == 422, "\(field)")
                #expect((try bad.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == field)
            }
            let badEnum = try await server.client.sendJSON(
                .POST, server.url("/v1/referrals"), base.merging(["damageType": "meteor", "consent": true]) { $1 },
                headers: server.bearer(world.brokerA.token))
            #expect(badEnum.status == 422)
            #expect(try await server.client.sendJSON(.POST, server.url("/v1/referrals"), base, headers: server.bearer(world.advisor.token)).status == 403)

            let open = { (subject: String, body: String) in
                try await server.client.sendJSON(
                    .POST, server.url("/v1/tickets"),
                    ["reference": ["kind": "contract", "number": World.contract], "subject": subject, "body": body],
                    headers: server.bearer(world.member.token))
            }
            #expect(try await open("", "body").status == 422)
            #expect(try await open(String(repeating: "x", count: 201), "body").status == 422)
            #expect(try await open("ok", String(repeating: "x", count: 20_001)).status == 422)
            #expect(try await open("bell\u{07}", "body").status == 422)
            #expect(try await open("ok", "null\u{0}byte").status == 422)
            let unknown = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets"),
                ["reference": ["kind": "contract", "number": "KV-404"], "subject": "s", "body": "b"],
                headers: server.bearer(world.member.token))
            #expect(unknown.status == 404)
            let list = try await server.client.send(.GET, server.url("/v1/tickets"), headers: server.bearer(world.advisor.token))
            #expect((try list.json()["items"] as? [Any])?.isEmpty == true, "no ticket was written")
            let count = try await testDatabase(server.config.databasePath).read {
                try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM refs WHERE kind = 'referral'")
            }
            #expect(count == 0, "no referral was written")
        }
    }

    @Test func withoutConsentTicketEndpointsAnswer403() async throws {
        try await TestServer.run { server in
            let admin = try await server.adminToken()
            let member = try await server.makeUser("nora", role: "member", adminToken: admin, acceptTerms: false)
            let response = try await server.client.send(.GET, server.url("/v1/tickets"), headers: server.bearer(member.token))
            #expect(response.status == 403)
            #expect(try response.json()["type"] as? String == "urn:postbox:problem:consent-required")
            let post = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets"), ["reference": ["kind": "contract", "number": "X-1"], "subject": "s", "body": "b"],
                headers: server.bearer(member.token))
            #expect(post.status == 403)
        }
    }

    @Test func paginationWalksEveryTicketOnce() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            var created: [String] = []
            for i in 0..<7 {
                created.append(try await world.ticket(by: world.member, kind: "contract", number: World.contract, subject: "T\(i)"))
                server.clock.advance(by: 1)
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let query = cursor.map { "?limit=3&cursor=\($0)" } ?? "?limit=3"
                let page = try await server.client.send(.GET, server.url("/v1/tickets\(query)"), headers: server.bearer(world.member.token))
                let body = try page.json()
                seen += (body["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = body["nextCursor"] as? String
            } while cursor != nil
            #expect(seen == created.reversed())
            #expect(try await server.client.send(.GET, server.url("/v1/tickets?cursor=bogus"), headers: server.bearer(world.member.token)).status == 422)
            #expect(try await server.client.send(.GET, server.url("/v1/tickets?limit=500"), headers: server.bearer(world.member.token)).status == 422)
        }
    }

    @Test func rectificationKeepsTheOldRevisionForTheDPOOnly() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let ticketID = try await world.ticket(by: world.member, kind: "contract", number: World.contract, body: "Mein Auto ist rot")
            let messages = try await server.client.send(.GET, server.url("/v1/tickets/\(ticketID)/messages"), headers: server.bearer(world.member.token))
            let messageID = try #require((try messages.json()["items"] as? [[String: Any]])?.first?["id"] as? String)
            let fix = try await server.client.sendJSON(
                .PATCH, server.url("/v1/messages/\(messageID)"), ["body": "Mein Auto ist blau", "reason": "Tippfehler"],
                headers: server.bearer(world.member.token))
            #expect(fix.status == 200)
            let byOther = try await server.client.sendJSON(
                .PATCH, server.url("/v1/messages/\(messageID)"), ["body": "x", "reason": "y"], headers: server.bearer(world.advisor.token))
            #expect(byOther.status == 403)
            server.clock.advance(by: 25 * 3600)
            let member = try await world.relogin("maria")
            let late = try await server.client.sendJSON(
                .PATCH, server.url("/v1/messages/\(messageID)"), ["body": "grün", "reason": "z"], headers: server.bearer(member))
            #expect(late.status == 403)

            let memberView = try await server.client.send(.GET, server.url("/v1/tickets/\(ticketID)/messages"), headers: server.bearer(member))
            let seen = try #require((try memberView.json()["items"] as? [[String: Any]])?.first)
            #expect(seen["body"] as? String == "Mein Auto ist blau")
            #expect(seen["revisions"] == nil)
            let dpo = try await world.relogin("dora")
            let dpoView = try await server.client.send(.GET, server.url("/v1/tickets/\(ticketID)/messages"), headers: server.bearer(dpo))
            let revisions = try #require((try dpoView.json()["items"] as? [[String: Any]])?.first?["revisions"] as? [[String: Any]])
            #expect(revisions.first?["body"] as? String == "Mein Auto ist rot")
            #expect(revisions.first?["reason"] as? String == "Tippfehler")
            let dpoWrites = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticketID)/messages"), ["body": "x"], headers: server.bearer(dpo))
            #expect(dpoWrites.status == 404, "the DPO reads but does not write")
        }
    }
}

@Suite("Per-account write limit")
struct RateLimitTests {
    @Test func aBurstIsAllowedThenAnswers429WithRetryAfter() async throws {
        try await TestServer.run(configure: { $0.rateLimits.entriesPerMinute = 60; $0.rateLimits.burst = 5 }) { server in
            let world = try await World.make(server)
            let ticket = try await world.ticket(by: world.member, kind: "contract", number: World.contract)  // 1 of 5
            var statuses: [Int] = []
            for i in 0..<5 {
                let response = try await server.client.sendJSON(
                    .POST, server.url("/v1/tickets/\(ticket)/messages"), ["body": "Nachricht \(i)"],
                    headers: server.bearer(world.member.token))
                statuses.append(response.status)
                if response.status == 429 {
                    #expect(response.header("retry-after").flatMap(Int.init).map { $0 >= 1 } == true)
                    #expect(try response.json()["type"] as? String == "urn:postbox:problem:too-many-requests")
                }
            }
            #expect(statuses == [201, 201, 201, 201, 429])
            // Another account is not affected; time refills the bucket.
            #expect(
                try await server.client.sendJSON(
                    .POST, server.url("/v1/tickets/\(ticket)/messages"), ["body": "Antwort"], headers: server.bearer(world.advisor.token)
                ).status == 201)
            server.clock.advance(by: 2)
            #expect(
                try await server.client.sendJSON(
                    .POST, server.url("/v1/tickets/\(ticket)/messages"), ["body": "Wieder"], headers: server.bearer(world.member.token)
                ).status == 201)
        }
    }
}
