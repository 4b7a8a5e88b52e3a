import Foundation
import PostboxTestSupport
import Testing

@testable import Postbox
@testable import PostboxServer

@Suite("Special categories at entry: reject, warn, hold, and the DPO review queue")
struct SpecialCategoryPolicyTests {
    func items(_ response: CollectedResponse) throws -> [[String: Any]] {
        try response.json()["items"] as? [[String: Any]] ?? []
    }

    @Test func classifyEndpointNeedsALoginAndReturnsSpansAndSuggestions() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            #expect(try await server.client.sendJSON(.POST, server.url("/v1/classify"), ["text": "x"]).status == 401)
            let response = try await server.client.sendJSON(
                .POST, server.url("/v1/classify"), ["text": "Kunde ist schwerhörig 👂, bitte SMS."],
                headers: server.bearer(world.brokerA.token))
            #expect(response.status == 200)
            #expect(try response.json()["categories"] as? [String] == ["health"])
            let finding = try #require((try response.json()["findings"] as? [[String: Any]])?.first)
            #expect(finding["match"] as? String == "schwerhörig")
            #expect(finding["start"] as? Int == 10)
            #expect(finding["end"] as? Int == 21)
            #expect(finding["suggestion"] as? String == "Bitte laut und deutlich klingeln.")

            // Found by the contract fuzzing: "c" and 20,000 skin-tone modifiers is one Character but
            // 20,001 code points, over the documented maxLength (which counts code points).
            let modifiers = "c" + String(repeating: "\u{1F3FB}", count: 20_000)
            let tooLong = try await server.client.sendJSON(
                .POST, server.url("/v1/classify"), ["text": modifiers], headers: server.bearer(world.brokerA.token))
            #expect(tooLong.status == 422)
            let ticket = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets"),
                ["reference": ["kind": "contract", "number": World.contract], "subject": "c" + String(repeating: "\u{1F3FB}", count: 200),
                 "body": "x"],
                headers: server.bearer(world.advisor.token))
            #expect(ticket.status == 422)
        }
    }

    @Test func brokersAreRejectedUnlessTheyAcknowledge() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let number = try await world.referral(by: world.brokerA)
            let body: [String: Any] = [
                "reference": ["kind": "referral", "number": number], "subject": "Termin",
                "body": "Kunde ist gehbehindert, bitte Geduld.",
            ]
            let rejected = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets"), body, headers: server.bearer(world.brokerA.token))
            #expect(rejected.status == 422)
            #expect(try rejected.json()["type"] as? String == "urn:postbox:problem:special-category")
            let finding = try #require((try rejected.json()["findings"] as? [[String: Any]])?.first)
            #expect(finding["field"] as? String == "body")
            #expect(finding["category"] as? String == "health")
            #expect((finding["suggestion"] as? String)?.contains("länger") == true)
            #expect(try items(await server.client.send(.GET, server.url("/v1/tickets"), headers: server.bearer(world.advisor.token))).isEmpty,
                    "nothing was stored")
            #expect(try items(await server.client.send(.GET, server.url("/v1/review"), headers: server.bearer(world.dpo.token))).isEmpty)

            var acknowledged = body
            acknowledged["acknowledgeSpecialCategories"] = true
            let stored = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets"), acknowledged, headers: server.bearer(world.brokerA.token))
            #expect(stored.status == 201)
            #expect((try stored.json()["findings"] as? [Any])?.count == 1)
            let queue = try items(await server.client.send(.GET, server.url("/v1/review"), headers: server.bearer(world.dpo.token)))
            #expect(queue.count == 1)
            #expect(queue.first?["categories"] as? [String] == ["health"])
            #expect(queue.first?["text"] as? String == "Kunde ist gehbehindert, bitte Geduld.")
            #expect(queue.first?["authorRole"] as? String == "broker")
            #expect((queue.first?["origin"] as? [String: Any])?["organisationId"] as? String == world.orgA)
            #expect((queue.first?["origin"] as? [String: Any])?["organisationName"] as? String == "Makler Alpha GmbH")

            // The access check comes before the policy: a broker of another firm who writes the same
            // text into this ticket, or into one that does not exist, learns only "not found".
            let ticketID = try #require((try stored.json()["ticket"] as? [String: Any])?["id"] as? String)
            for target in [ticketID, "no-such-ticket"] {
                let foreign = try await server.client.sendJSON(
                    .POST, server.url("/v1/tickets/\(target)/messages"), ["body": "Kunde ist gehbehindert, bitte Geduld."],
                    headers: server.bearer(world.brokerB.token))
                #expect(foreign.status == 404, "\(target)")
                #expect(try foreign.json()["type"] as? String == "urn:postbox:problem:not-found")
            }
            let own = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticketID)/messages"), ["body": "Kunde ist gehbehindert, bitte Geduld."],
                headers: server.bearer(world.brokerA.token))
            #expect(own.status == 422)
            let queueAfter = try items(await server.client.send(.GET, server.url("/v1/review"), headers: server.bearer(world.dpo.token)))
            #expect(queueAfter.count == 1, "neither refused reply was stored")
        }
    }

    @Test func membersAreWarnedAndTheEntryIsStoredWithItsCategories() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let opened = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets"),
                ["reference": ["kind": "contract", "number": World.contract], "subject": "Beratung",
                 "body": "Ich bin nach der OP noch krankgeschrieben, bitte Termin verschieben."],
                headers: server.bearer(world.member.token))
            #expect(opened.status == 201)
            let findings = try #require(try opened.json()["findings"] as? [[String: Any]])
            #expect(findings.contains { $0["match"] as? String == "krankgeschrieben" })
            let ticketID = try #require((try opened.json()["ticket"] as? [String: Any])?["id"] as? String)
            let advisorView = try items(await server.client.send(
                .GET, server.url("/v1/tickets/\(ticketID)/messages"), headers: server.bearer(world.advisor.token)))
            #expect(advisorView.first?["specialCategories"] as? [String] == ["health"])
            #expect(advisorView.first?["held"] as? Bool == false)
        }
    }

    @Test func heldEntriesAreHiddenUntilTheDPOKeepsThem() async throws {
        try await TestServer.run(configure: { $0.specialCategories.member = .hold }) { server in
            let world = try await World.make(server)
            let ticketID = try await world.ticket(by: world.member, kind: "contract", number: World.contract, body: "Frage zum Vertrag")
            let held = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticketID)/messages"), ["body": "Ich bin schwanger und kann nicht fahren."],
                headers: server.bearer(world.member.token))
            #expect(held.status == 201)
            #expect(try held.json()["held"] as? Bool == true)

            let advisorBefore = try items(await server.client.send(
                .GET, server.url("/v1/tickets/\(ticketID)/messages"), headers: server.bearer(world.advisor.token)))
            #expect(advisorBefore.count == 1, "the held message is hidden from the advisor")
            let memberView = try items(await server.client.send(
                .GET, server.url("/v1/tickets/\(ticketID)/messages"), headers: server.bearer(world.member.token)))
            #expect(memberView.count == 2, "the author still sees it")

            let queue = try items(await server.client.send(.GET, server.url("/v1/review"), headers: server.bearer(world.dpo.token)))
            let item = try #require(queue.first { $0["objectType"] as? String == "message" })
            #expect(item["held"] as? Bool == true)
            let itemID = try #require(item["id"] as? String)
            #expect(try await server.client.sendJSON(
                .POST, server.url("/v1/review/\(itemID)"), ["action": "keep", "reason": "x"],
                headers: server.bearer(world.advisor.token)).status == 403)
            let keep = try await server.client.sendJSON(
                .POST, server.url("/v1/review/\(itemID)"), ["action": "keep", "reason": "Nötig für die Terminplanung"],
                headers: server.bearer(world.dpo.token))
            #expect(keep.status == 200)
            #expect(try keep.json()["status"] as? String == "kept")
            let again = try await server.client.sendJSON(
                .POST, server.url("/v1/review/\(itemID)"), ["action": "delete", "reason": "x"],
                headers: server.bearer(world.dpo.token))
            #expect(again.status == 409)

            let advisorAfter = try items(await server.client.send(
                .GET, server.url("/v1/tickets/\(ticketID)/messages"), headers: server.bearer(world.advisor.token)))
            #expect(advisorAfter.count == 2)
        }
    }

    @Test func redactKeepsTheOriginalForTheDPOAndDeleteRemovesTheEntry() async throws {
        try await TestServer.run(configure: { $0.specialCategories.broker = .warn }) { server in
            let world = try await World.make(server)
            let referral = try await world.referral(
                by: world.brokerA, extra: ["consent": true, "remarks": "Kundin ist Diabetikerin, bitte vormittags."])
            let ticketID = try await world.ticket(
                by: world.member, kind: "contract", number: World.contract, subject: "Termin nach Knie-OP",
                body: "Ich habe Multiple Sklerose und brauche etwas länger an der Tür.")
            _ = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticketID)/messages"), ["body": "Mein Mann hat Krebs, bitte an mich schreiben."],
                headers: server.bearer(world.member.token))

            let queue = try items(await server.client.send(.GET, server.url("/v1/review"), headers: server.bearer(world.dpo.token)))
            let messages = queue.filter { $0["objectType"] as? String == "message" }
            #expect(messages.count == 2)
            #expect(queue.contains { $0["objectType"] as? String == "referral" && $0["field"] as? String == "remarks" })
            #expect(queue.contains { $0["objectType"] as? String == "ticket" && $0["field"] as? String == "subject" })

            let first = try #require(messages.first { ($0["text"] as? String)?.contains("Sklerose") == true })
            let redact = try await server.client.sendJSON(
                .POST, server.url("/v1/review/\(first["id"] as? String ?? "")"),
                ["action": "redact", "reason": "Diagnose nicht erforderlich"], headers: server.bearer(world.dpo.token))
            #expect(redact.status == 200)
            #expect(try redact.json()["status"] as? String == "redacted")

            let second = try #require(messages.first { ($0["text"] as? String)?.contains("Krebs") == true })
            #expect(try await server.client.sendJSON(
                .POST, server.url("/v1/review/\(second["id"] as? String ?? "")"),
                ["action": "delete", "reason": "Daten Dritter"], headers: server.bearer(world.dpo.token)).status == 200)

            let remarks = try #require(queue.first { $0["objectType"] as? String == "referral" })
            #expect(try await server.client.sendJSON(
                .POST, server.url("/v1/review/\(remarks["id"] as? String ?? "")"),
                ["action": "delete", "reason": "nicht erforderlich"], headers: server.bearer(world.dpo.token)).status == 200)

            let advisorView = try items(await server.client.send(
                .GET, server.url("/v1/tickets/\(ticketID)/messages"), headers: server.bearer(world.advisor.token)))
            #expect(advisorView.count == 1, "the deleted message is gone")
            #expect(advisorView.first?["body"] as? String == "Ich habe [entfernt] und brauche etwas länger an der Tür.")
            let dpoView = try items(await server.client.send(
                .GET, server.url("/v1/tickets/\(ticketID)/messages"), headers: server.bearer(world.dpo.token)))
            let revisions = try #require(dpoView.first?["revisions"] as? [[String: Any]])
            #expect(revisions.first?["body"] as? String == "Ich habe Multiple Sklerose und brauche etwas länger an der Tür.")
            let referralView = try await server.client.send(
                .GET, server.url("/v1/referrals/\(referral)"), headers: server.bearer(world.advisor.token))
            #expect(try referralView.json()["remarks"] == nil)

            let audit = try items(await server.client.send(.GET, server.url("/v1/audit?limit=1000"), headers: server.bearer(world.dpo.token)))
            let actions = Set(audit.compactMap { $0["action"] as? String })
            #expect(actions.isSuperset(of: ["review.redact", "review.delete"]))
            #expect(try items(await server.client.send(.GET, server.url("/v1/review"), headers: server.bearer(world.dpo.token))).count == 1,
                    "only the ticket subject is still open")
        }
    }
}
