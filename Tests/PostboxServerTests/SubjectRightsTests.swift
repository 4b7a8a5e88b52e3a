import Foundation
import GRDB
import Postbox
import PostboxTestSupport
import Synchronization
import Testing

@testable import PostboxServer

@Suite("Data-subject rights: search, export with origins, erasure with holds, restriction")
struct SubjectRightsTests {
    static let marker = "Zebramarker"

    /// The blobs an erasure must remove: sealed fields of the referral, its ticket and the
    /// member's account, and the wrapped data keys they were sealed under.
    static func sealedBytes(_ path: String, referral: String, ticket: String, member: String) async throws -> [Data] {
        try await testDatabase(path).read { db in
            var blobs: [Data] = []
            let keyIDs = try String.fetchAll(
                db,
                sql: """
                    SELECT data_key_id FROM refs WHERE number = ? UNION SELECT data_key_id FROM tickets WHERE id = ?
                    UNION SELECT data_key_id FROM users WHERE id = ?
                    """, arguments: [referral, ticket, member])
            blobs += try Data.fetchAll(db, sql: "SELECT payload FROM refs WHERE number = ?", arguments: [referral])
            blobs += try Data.fetchAll(db, sql: "SELECT title FROM tickets WHERE id = ?", arguments: [ticket])
            blobs += try Data.fetchAll(db, sql: "SELECT body FROM messages WHERE ticket_id = ?", arguments: [ticket])
            blobs += try Data.fetchAll(db, sql: "SELECT display_name FROM users WHERE id = ?", arguments: [member])
            for id in keyIDs {
                blobs += try Data.fetchAll(db, sql: "SELECT wrapped FROM data_keys WHERE id = ?", arguments: [id])
            }
            return blobs
        }
    }

    @Test func referAnswerWriteFindExportEraseAndNothingReadableRemains() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let marker = Self.marker
            let web = [("X-Postbox-Channel", "web")]
            let cli = [("X-Postbox-Channel", "cli")]

            // A broker refers the customer, with remarks and consent, and opens a ticket.
            let referralNumber = try server.expectStatus(
                201,
                try await server.client.sendJSON(
                    .POST, server.url("/v1/referrals"),
                    [
                        "surname": "Schmidt", "firstName": marker, "phone": "+49 89 1234-567", "licensePlate": "M-AB 1234",
                        "policyNumber": World.contract, "email": "\(marker.lowercased())@example.org", "damageType": "glass",
                        "remarks": "\(marker) Steinschlag, Kunde ruft ab 17 Uhr zurück", "consent": true,
                    ], headers: server.bearer(world.brokerA.token) + web)
            ).json()["number"] as? String ?? ""
            let referralTicket = try server.expectStatus(
                201,
                try await server.client.sendJSON(
                    .POST, server.url("/v1/tickets"),
                    ["reference": ["kind": "referral", "number": referralNumber], "subject": "\(marker) Glasschaden",
                     "body": "\(marker) Bitte Termin vereinbaren."],
                    headers: server.bearer(world.brokerA.token) + web))
            let referralTicketID = (try referralTicket.json()["ticket"] as? [String: Any])?["id"] as? String ?? ""
            // The advisor answers from the CLI.
            _ = try server.expectStatus(
                201,
                try await server.client.sendJSON(
                    .POST, server.url("/v1/tickets/\(referralTicketID)/messages"), ["body": "\(marker) Termin Montag 9 Uhr."],
                    headers: server.bearer(world.advisor.token) + cli))
            // The customer's account is linked through the contract's policy number; she writes too.
            _ = try server.expectStatus(
                201,
                try await server.client.sendJSON(
                    .POST, server.url("/v1/tickets/\(referralTicketID)/messages"), ["body": "\(marker) Passt mir gut."],
                    headers: server.bearer(world.member.token)))
            // … and asks about her contract: correspondence under the legal hold.
            let contractTicketID = try await world.ticket(
                by: world.member, kind: "contract", number: World.contract, subject: "\(marker) Beitrag",
                body: "\(marker) Wann wird der Beitrag abgebucht?")
            _ = try server.expectStatus(
                201,
                try await server.client.sendJSON(
                    .POST, server.url("/v1/tickets/\(contractTicketID)/messages"), ["body": "Am Monatsersten."],
                    headers: server.bearer(world.advisor.token)))

            // The DPO finds the subject by licence plate, written differently.
            let search = try server.expectStatus(
                200,
                try await server.client.sendJSON(
                    .POST, server.url("/v1/subjects/search"), ["licencePlate": "m ab1234"], headers: server.bearer(world.dpo.token)))
            let found = try #require(try search.json()["subjects"] as? [[String: Any]])
            #expect(found.count == 1)
            let subject = try #require(found.first)
            let subjectID = try #require(subject["id"] as? String)
            #expect(subject["matchedBy"] as? [String] == ["licence_plate"])
            #expect(subject["tickets"] as? Int == 2)
            #expect(subject["messages"] as? Int == 5)
            #expect(subject["accounts"] as? Int == 1)
            // Only the DPO searches.
            #expect(
                try await server.client.sendJSON(
                    .POST, server.url("/v1/subjects/search"), ["licencePlate": "M-AB 1234"],
                    headers: server.bearer(world.advisor.token)
                ).status == 403)

            // The export holds every entry with its origin.
            let exported = try server.expectStatus(
                200,
                try await server.client.send(
                    .GET, server.url("/v1/subjects/\(subjectID)/export"), headers: server.bearer(world.dpo.token)))
            #expect(exported.header("content-type") == "application/json")
            #expect(exported.header("cache-control") == "no-store")
            let document = try exported.json()
            #expect(document["schema"] as? String == "postbox-export/1")
            #expect((document["controller"] as? [String: Any])?["name"] as? String == server.config.privacy.controller.name)
            #expect((document["purposes"] as? [[String: Any]])?.isEmpty == false)
            #expect((document["retention"] as? [[String: Any]])?.isEmpty == false)

            let referrals = try #require(document["referrals"] as? [[String: Any]])
            #expect(referrals.count == 1)
            let details = try #require(referrals.first?["details"] as? [String: Any])
            #expect(details["firstName"] as? String == marker)
            #expect(details["licensePlate"] as? String == "M-AB 1234")
            #expect((details["remarks"] as? String)?.hasPrefix(marker) == true)
            #expect(details["consent"] as? Bool == true)
            let referralOrigin = try #require(referrals.first?["origin"] as? [String: Any])
            #expect(referralOrigin["authorId"] as? String == world.brokerA.id)
            #expect(referralOrigin["role"] as? String == "broker")
            #expect(referralOrigin["channel"] as? String == "web")
            #expect(referralOrigin["ipPrefix"] as? String == "127.0.0.0/24")
            #expect((referralOrigin["organisation"] as? [String: Any])?["name"] as? String == "Makler Alpha GmbH")

            let tickets = try #require(document["tickets"] as? [[String: Any]])
            #expect(tickets.map { $0["id"] as? String } == [referralTicketID, contractTicketID])
            let thread = try #require(tickets.first?["messages"] as? [[String: Any]])
            #expect(thread.map { ($0["origin"] as? [String: Any])?["role"] as? String } == ["broker", "advisor", "member"])
            #expect(thread.map { ($0["origin"] as? [String: Any])?["channel"] as? String } == ["web", "cli", "api"])
            #expect(thread.allSatisfy { ($0["origin"] as? [String: Any])?["ipPrefix"] as? String == "127.0.0.0/24" })
            #expect(
                thread.allSatisfy {
                    ($0["origin"] as? [String: Any]).flatMap { $0["reference"] as? [String: Any] }?["number"] as? String
                        == referralNumber
                })
            #expect(
                (thread.first?["origin"] as? [String: Any]).flatMap { $0["organisation"] as? [String: Any] }?["name"]
                    as? String == "Makler Alpha GmbH")
            #expect(thread.map { $0["body"] as? String }.allSatisfy { $0?.hasPrefix(marker) == true })
            let accounts = try #require(document["accounts"] as? [[String: Any]])
            #expect(accounts.map { $0["login"] as? String } == ["maria"])
            #expect((accounts.first?["consents"] as? [[String: Any]])?.first?["version"] as? String == server.config.termsVersion)
            let contracts = try #require(document["contracts"] as? [[String: Any]])
            #expect(contracts.map { $0["number"] as? String } == [World.contract])
            let events = try #require(document["auditEvents"] as? [[String: Any]])
            #expect(events.contains { $0["action"] as? String == "session.login" && $0["userId"] as? String == world.member.id })
            #expect(events.allSatisfy { $0["userId"] as? String == world.member.id }, "only the subject's own account")
            #expect(!String(decoding: exported.body, as: UTF8.self).contains("User advisor"), "no advisor account data")

            // The same data as a readable page and as a zip; the member gets her own.
            let html = try server.expectStatus(
                200,
                try await server.client.send(
                    .GET, server.url("/v1/subjects/\(subjectID)/export?format=html"), headers: server.bearer(world.dpo.token)))
            #expect(html.header("content-type") == "text/html; charset=utf-8")
            let page = String(decoding: html.body, as: UTF8.self)
            #expect(page.hasPrefix("<!doctype html>") && page.contains("Makler Alpha GmbH") && page.contains(referralNumber))
            #expect(!page.contains("<script"))
            let zip = try server.expectStatus(
                200,
                try await server.client.send(
                    .GET, server.url("/v1/subjects/\(subjectID)/export?format=zip"), headers: server.bearer(world.dpo.token)))
            #expect(zip.header("content-type") == "application/zip")
            #expect(zip.body.starts(with: [0x50, 0x4B, 0x03, 0x04]))
            #expect(zip.body.range(of: Data("export.json".utf8)) != nil)
            #expect(
                try await server.client.send(
                    .GET, server.url("/v1/subjects/\(subjectID)/export?format=pdf"), headers: server.bearer(world.dpo.token)
                ).status == 422)
            let own = try server.expectStatus(
                200, try await server.client.send(.GET, server.url("/v1/me/export"), headers: server.bearer(world.member.token)))
            #expect((try own.json()["subject"] as? [String: Any])?["id"] as? String == subjectID)
            #expect(
                try await server.client.send(.GET, server.url("/v1/me/export"), headers: server.bearer(world.brokerA.token)).status
                    == 403)
            #expect(
                try await server.client.send(
                    .GET, server.url("/v1/subjects/\(subjectID)/export"), headers: server.bearer(world.member.token)
                ).status == 403)

            // Erasure: everything but the held contract correspondence goes, with its keys.
            let path = server.config.databasePath
            let sealed = try await Self.sealedBytes(path, referral: referralNumber, ticket: referralTicketID, member: world.member.id)
            #expect(sealed.count >= 8)
            let erasure = try server.expectStatus(
                200,
                try await server.client.send(
                    .POST, server.url("/v1/subjects/\(subjectID)/erase"), headers: server.bearer(world.dpo.token)))
            let report = try erasure.json()
            let erased = try #require(report["erased"] as? [[String: Any]])
            let retained = try #require(report["retained"] as? [[String: Any]])
            #expect(erased.contains { $0["type"] as? String == "referral" && $0["reference"] as? String == referralNumber })
            #expect(erased.contains { $0["type"] as? String == "ticket" && $0["id"] as? String == referralTicketID && $0["count"] as? Int == 3 })
            #expect(erased.contains { $0["type"] as? String == "account" && $0["id"] as? String == world.member.id })
            let held = try #require(retained.first { $0["type"] as? String == "ticket" })
            #expect(held["id"] as? String == contractTicketID)
            #expect((held["reason"] as? String)?.contains("contract") == true)
            #expect(held["until"] == nil, "the contract still runs: no end date yet")
            #expect(retained.contains { $0["type"] as? String == "contract" && $0["reference"] as? String == World.contract })
            #expect(retained.contains { $0["type"] as? String == "audit-events" && $0["until"] is String })
            #expect((report["notes"] as? [String])?.contains { $0.contains("upstream") } == true)

            // Nothing readable is left in the file or its WAL: not the sealed fields, not the keys,
            // not the referral number or the login that were stored in clear.
            let bytes = { (p: String) in FileManager.default.contents(atPath: p) ?? Data() }
            let file = bytes(path)
            let wal = bytes(path + "-wal")
            for blob in sealed {
                #expect(file.range(of: blob) == nil)
                #expect(wal.range(of: blob) == nil)
            }
            for clear in [referralNumber, "maria", marker] {
                #expect(file.range(of: Data(clear.utf8)) == nil, "\(clear) is gone")
                #expect(wal.range(of: Data(clear.utf8)) == nil)
            }
            // The held ticket stays, restricted: the DPO reads it, nobody else does.
            #expect(
                try await server.client.send(
                    .GET, server.url("/v1/tickets/\(contractTicketID)"), headers: server.bearer(world.dpo.token)
                ).status == 200)
            #expect(
                try await server.client.send(
                    .GET, server.url("/v1/tickets/\(contractTicketID)"), headers: server.bearer(world.advisor.token)
                ).status == 404)
            #expect(
                try await server.client.send(
                    .GET, server.url("/v1/referrals/\(referralNumber)"), headers: server.bearer(world.brokerA.token)
                ).status == 404)
            // The account has ended; the plate finds nobody; new entries on the contract are refused.
            #expect(try await server.client.send(.GET, server.url("/v1/me"), headers: server.bearer(world.member.token)).status == 401)
            let again = try await server.client.sendJSON(
                .POST, server.url("/v1/subjects/search"), ["licencePlate": "M-AB 1234"], headers: server.bearer(world.dpo.token))
            #expect((try again.json()["subjects"] as? [Any])?.isEmpty == true)
            let refused = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets"),
                ["reference": ["kind": "contract", "number": World.contract], "subject": "Neu", "body": "Neu"],
                headers: server.bearer(world.advisor.token))
            #expect(refused.status == 409)
            #expect(try refused.json()["type"] as? String == "urn:postbox:problem:subject-restricted")
            let afterwards = try server.expectStatus(
                200,
                try await server.client.send(
                    .GET, server.url("/v1/subjects/\(subjectID)/export"), headers: server.bearer(world.dpo.token)))
            let remaining = try afterwards.json()
            #expect((remaining["tickets"] as? [[String: Any]])?.map { $0["holdReason"] as? String } == ["contract-correspondence"])
            #expect((remaining["referrals"] as? [Any])?.isEmpty == true)
            #expect((remaining["accounts"] as? [Any])?.isEmpty == true)
            #expect(
                try await server.client.send(
                    .GET, server.url("/v1/audit/verify"), headers: server.bearer(world.dpo.token)
                ).json()["ok"] as? Bool == true)
            #expect(!server.logs.recorded.joined().contains(marker))
        }
    }

    @Test func restrictionHidesTheSubjectAndRefusesNewEntriesUntilLifted() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let number = try await world.referral(by: world.brokerA)
            let ticket = try await world.ticket(by: world.brokerA, kind: "referral", number: number)
            let search = try await server.client.sendJSON(
                .POST, server.url("/v1/subjects/search"), ["surname": "schmidt", "phone": "0049 89 1234567"],
                headers: server.bearer(world.dpo.token))
            let subjectID = try #require((try search.json()["subjects"] as? [[String: Any]])?.first?["id"] as? String)
            #expect(
                try await server.client.send(
                    .POST, server.url("/v1/subjects/\(subjectID)/restrict"), headers: server.bearer(world.advisor.token)
                ).status == 403)
            let restricted = try server.expectStatus(
                200,
                try await server.client.send(
                    .POST, server.url("/v1/subjects/\(subjectID)/restrict"), headers: server.bearer(world.dpo.token)))
            #expect(try restricted.json()["restrictedAt"] is String)

            #expect(
                try await server.client.send(.GET, server.url("/v1/tickets/\(ticket)"), headers: server.bearer(world.brokerA.token))
                    .status == 404)
            let list = try await server.client.send(.GET, server.url("/v1/tickets"), headers: server.bearer(world.advisor.token))
            #expect((try list.json()["items"] as? [[String: Any]])?.contains { $0["id"] as? String == ticket } == false)
            let reply = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticket)/messages"), ["body": "Noch da?"], headers: server.bearer(world.brokerA.token))
            #expect(reply.status == 409)
            #expect(try reply.json()["type"] as? String == "urn:postbox:problem:subject-restricted")
            let newReferral = try await server.client.sendJSON(
                .POST, server.url("/v1/referrals"),
                ["surname": "Schmidt", "phone": "+49 89 1234567", "licensePlate": "M-XY 1", "policyNumber": World.contract],
                headers: server.bearer(world.brokerB.token))
            #expect(newReferral.status == 409)
            #expect(
                try await server.client.send(.GET, server.url("/v1/tickets/\(ticket)"), headers: server.bearer(world.dpo.token))
                    .status == 200)

            _ = try server.expectStatus(
                200,
                try await server.client.send(
                    .DELETE, server.url("/v1/subjects/\(subjectID)/restrict"), headers: server.bearer(world.dpo.token)))
            #expect(
                try await server.client.send(.GET, server.url("/v1/tickets/\(ticket)"), headers: server.bearer(world.brokerA.token))
                    .status == 200)
            for viewer in [world.advisor, world.brokerA] {
                let listed = try await server.client.send(.GET, server.url("/v1/tickets"), headers: server.bearer(viewer.token))
                #expect((try listed.json()["items"] as? [[String: Any]])?.contains { $0["id"] as? String == ticket } == true)
            }
            #expect(
                try await server.client.sendJSON(
                    .POST, server.url("/v1/tickets/\(ticket)/messages"), ["body": "Noch da?"],
                    headers: server.bearer(world.brokerA.token)
                ).status == 201)
            let events = try await server.client.send(
                .GET, server.url("/v1/audit?action=subject.restrict"), headers: server.bearer(world.dpo.token))
            #expect((try events.json()["items"] as? [[String: Any]])?.first?["objectId"] as? String == subjectID)
        }
    }

    @Test func searchNeedsAnIdentifierItCanRead() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let empty = try await server.client.sendJSON(
                .POST, server.url("/v1/subjects/search"), [String: String](), headers: server.bearer(world.dpo.token))
            #expect(empty.status == 422)
            let bad = try await server.client.sendJSON(
                .POST, server.url("/v1/subjects/search"), ["licencePlate": "not a plate", "surname": "Schmidt"],
                headers: server.bearer(world.dpo.token))
            #expect(bad.status == 422)
            let fields = (try bad.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
            #expect(fields == ["licencePlate", "surname"])
            #expect(!String(decoding: bad.body, as: UTF8.self).contains("not a plate"), "values are never echoed")
            // A member is found by member number and login, a contract holder by policy number.
            for query in [["memberNumber": "m-1001"], ["login": "Maria"], ["policyNumber": "kv 100.200"]] {
                let response = try await server.client.sendJSON(
                    .POST, server.url("/v1/subjects/search"), query, headers: server.bearer(world.dpo.token))
                #expect((try response.json()["subjects"] as? [Any])?.count == 1, "\(query)")
            }
            #expect(
                try await server.client.send(.GET, server.url("/v1/subjects/unknown/export"), headers: server.bearer(world.dpo.token))
                    .status == 404)
        }
    }

    @Test func retentionPurgesWhatExpiredAndKeepsTheAuditChainVerifiable() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            // A contract that ended a year ago: its correspondence is held five more years.
            let ended = ISO8601DateFormatter.string(
                from: server.clock.now().addingTimeInterval(-365 * 86_400), timeZone: TimeZone(identifier: "UTC")!,
                formatOptions: [.withFullDate, .withDashSeparatorInDate])
            _ = try server.expectStatus(
                201,
                try await server.client.sendJSON(
                    .POST, server.url("/v1/contracts"),
                    ["number": "HR-1", "holder": ["surname": "Berg"], "endsOn": ended], headers: server.bearer(world.advisor.token)))
            let heldTicket = try await world.ticket(by: world.advisor, kind: "contract", number: "HR-1", subject: "Kündigung")
            let closed = try await world.ticket(by: world.brokerA, kind: "referral", number: try await world.referral(by: world.brokerA))
            _ = try server.expectStatus(
                200,
                try await server.client.sendJSON(
                    .PATCH, server.url("/v1/tickets/\(closed)"), ["status": "closed"], headers: server.bearer(world.advisor.token)))
            _ = try await world.referral(by: world.brokerB, policy: "XY-1")  // never gets a ticket

            let bergSearch = try await server.client.sendJSON(
                .POST, server.url("/v1/subjects/search"), ["policyNumber": "HR-1"], headers: server.bearer(world.dpo.token))
            let berg = try #require((try bergSearch.json()["subjects"] as? [[String: Any]])?.first?["id"] as? String)
            let erasure = try await server.client.send(
                .POST, server.url("/v1/subjects/\(berg)/erase"), headers: server.bearer(world.dpo.token))
            // This once failed under the full suite's load without a retained ticket: say what came back.
            let heldEntry = try #require(
                (try erasure.json()["retained"] as? [[String: Any]])?.first { $0["type"] as? String == "ticket" },
                "erasure answered \(erasure.status): \(String(decoding: erasure.body, as: UTF8.self))")
            #expect(heldEntry["id"] as? String == heldTicket)
            #expect(heldEntry["until"] is String, "the contract ended: the hold has a date")

            let subjects = try openDependencies(server.config, now: { server.clock.now() }).subjects
            let early = try await subjects.purge(dryRun: true)
            #expect(early.closedTickets == 0 && early.heldTickets == 0 && early.referralsWithoutTicket == 0)

            // 120 days on: the referral without a ticket and month-old audit events have expired.
            server.clock.advance(by: 120 * 86_400)
            let dry = try await subjects.purge(dryRun: true)
            #expect(dry.referralsWithoutTicket == 1)
            #expect(dry.auditEvents > 10)
            #expect(dry.sessions > 0)
            let dryAgain = try await subjects.purge(dryRun: true)
            #expect(dryAgain == dry, "a dry run changes nothing")
            let purged = try await subjects.purge(dryRun: false)
            #expect(purged.referralsWithoutTicket == 1 && purged.auditEvents == dry.auditEvents)
            let verify = try await GRDBAuditLog(store: try openDependencies(server.config).store).verify()
            #expect(verify.ok, "the chain verifies from the checkpoint: \(verify.reason ?? "")")

            // Three years after closing the closed ticket goes; six after the contract ended, the held one.
            server.clock.advance(by: 3 * 366 * 86_400)
            #expect(try await subjects.purge(dryRun: false).closedTickets == 1)
            server.clock.advance(by: 3 * 366 * 86_400)
            #expect(try await subjects.purge(dryRun: false).heldTickets == 1)
            let left = try await testDatabase(server.config.databasePath).read { db in
                try String.fetchAll(db, sql: "SELECT id FROM tickets")
            }
            #expect(!left.contains(heldTicket) && !left.contains(closed))
            let final = try await GRDBAuditLog(store: try openDependencies(server.config).store).verify()
            #expect(final.ok)
        }
    }

    @Test func aContractsEndCanBeSetLaterAndTheHoldRunsFromIt() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let advisor = server.bearer(world.advisor.token)
            // A running contract (its number holds a '/'), a ticket on it, and the holder erased:
            // the ticket is held with no end in sight, the holder restricted.
            _ = try server.expectStatus(
                201,
                try await server.client.sendJSON(
                    .POST, server.url("/v1/contracts"), ["number": "HR-7/2020", "holder": ["surname": "Brandt"]],
                    headers: advisor))
            let held = try await world.ticket(by: world.advisor, kind: "contract", number: "HR-7/2020", subject: "Kündigung")
            let search = try await server.client.sendJSON(
                .POST, server.url("/v1/subjects/search"), ["policyNumber": "HR-7/2020"], headers: server.bearer(world.dpo.token))
            let subject = try #require((try search.json()["subjects"] as? [[String: Any]])?.first?["id"] as? String)
            let erasure = try server.expectStatus(
                200, try await server.client.send(.POST, server.url("/v1/subjects/\(subject)/erase"), headers: server.bearer(world.dpo.token)))
            let entry = (try erasure.json()["retained"] as? [[String: Any]])?.first { $0["id"] as? String == held }
            #expect(entry != nil && entry?["until"] == nil, "held while the contract runs")
            let holder = try await server.client.send(.GET, server.url("/v1/subjects/\(subject)"), headers: server.bearer(world.dpo.token))
            #expect(try holder.json()["restrictedAt"] is String)
            let subjects = try openDependencies(server.config, now: { server.clock.now() }).subjects
            #expect(try await subjects.purge(dryRun: true).heldTickets == 0)

            // Bad input is refused and changes nothing.
            let path = server.url("/v1/contracts/HR-7%2F2020")
            for (body, status) in [
                (["endsOn": "2026-02-30"] as [String: Any], 422), (["endsOn": "31.12.2025"], 422), (["endsOn": 20251231], 422),
                ([:], 422),
            ] {
                let refused = try await server.client.sendJSON(.PATCH, path, body, headers: advisor)
                #expect(refused.status == status, "\(body): \(refused.status)")
                #expect(refused.header("content-type") == "application/problem+json")
            }
            #expect(try await server.client.sendJSON(.PATCH, server.url("/v1/contracts/KV-NONE"), ["endsOn": NSNull()], headers: advisor).status == 404)
            for token in [world.brokerA.token, world.member.token, world.dpo.token] {
                let forbidden = try await server.client.sendJSON(.PATCH, path, ["endsOn": "2020-01-01"], headers: server.bearer(token))
                #expect(forbidden.status == 403)
            }
            #expect(try await subjects.purge(dryRun: true).heldTickets == 0)

            // Ended six years before now: the five-year hold has run out and retention takes the ticket.
            let ended = ReferenceService.dayText(server.clock.now().addingTimeInterval(-6 * 366 * 86_400))
            let set = try server.expectStatus(
                200, try await server.client.sendJSON(.PATCH, path, ["endsOn": ended], headers: advisor))
            #expect(try set.json()["number"] as? String == "HR-7/2020")
            #expect(try set.json()["endsOn"] as? String == ended)
            // Cleared again, nothing expires; set once more, the held ticket goes.
            let cleared = try server.expectStatus(
                200, try await server.client.sendJSON(.PATCH, path, ["endsOn": NSNull()], headers: advisor))
            #expect(try cleared.json()["endsOn"] is NSNull)
            #expect(try await subjects.purge(dryRun: true).heldTickets == 0)
            _ = try server.expectStatus(
                200, try await server.client.sendJSON(.PATCH, path, ["endsOn": ended], headers: server.bearer(world.admin)))
            #expect(try await subjects.purge(dryRun: false).heldTickets == 1)
            #expect(try await server.client.send(.GET, server.url("/v1/tickets/\(held)"), headers: advisor).status == 404)
            let events = try await server.client.send(
                .GET, server.url("/v1/audit?action=contract.end"), headers: server.bearer(world.dpo.token))
            #expect((try events.json()["items"] as? [[String: Any]])?.count == 3)
        }
    }

    @Test func anErasureIsAnsweredWhenTheWALCannotBeTruncatedAtOnce() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let search = try await server.client.sendJSON(
                .POST, server.url("/v1/subjects/search"), ["policyNumber": World.contract], headers: server.bearer(world.dpo.token))
            let subject = try #require((try search.json()["subjects"] as? [[String: Any]])?.first?["id"] as? String)
            // A reader keeps a snapshot from before the erasure: the WAL cannot be truncated while
            // it reads (SQLite waits the busy timeout, 10 s, then refuses). This was answered 500
            // although the erasure had committed.
            let reader = try testDatabase(server.config.databasePath)
            let reading = Mutex(false)
            let release = DispatchSemaphore(value: 0)
            let thread = Thread {
                try? reader.read { db in
                    _ = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tickets")
                    reading.withLock { $0 = true }
                    release.wait()
                }
            }
            let otherTicket = try await world.ticket(by: world.member2, kind: "contract", number: World.contract2)
            thread.start()
            while !reading.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
            let erased = Mutex(false)
            let (client, dpo) = (server.client, server.bearer(world.dpo.token))
            let erasing = Task {
                defer { erased.withLock { $0 = true } }
                return try await client.send(.POST, server.url("/v1/subjects/\(subject)/erase"), headers: dpo)
            }
            // While the erasure waits for the reader, others still write: its attempts to truncate
            // do not hold the writer (they held it for the whole busy timeout before).
            try await Task.sleep(for: .milliseconds(300))
            _ = try server.expectStatus(201, try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(otherTicket)/messages"), ["body": "Noch eine Frage"],
                headers: server.bearer(world.member2.token)))
            #expect(!erased.withLock { $0 }, "the post waited for the erasure")
            let erasure = try await erasing.value
            release.signal()
            #expect(erasure.status == 200, "\(String(decoding: erasure.body, as: UTF8.self))")
            let notes = try erasure.json()["notes"] as? [String] ?? []
            #expect(notes.contains { $0.hasPrefix("The database's write-ahead log could not be truncated right away") })
            let again = try await server.client.sendJSON(
                .POST, server.url("/v1/subjects/search"), ["policyNumber": World.contract], headers: server.bearer(world.dpo.token))
            #expect((try again.json()["subjects"] as? [[String: Any]])?.first?["restrictedAt"] is String, "the erasure committed")

            // Once the reader is done, the server's checkpointer truncates the WAL it still owes.
            let wal = server.config.databasePath + "-wal"
            let walSize = { (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? -1 }
            let deadline = ContinuousClock.now + .seconds(20)
            while walSize() != 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(walSize() == 0, "the WAL still holds \(walSize()) bytes")
        }
    }
}
