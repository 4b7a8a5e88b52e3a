import Foundation
import GRDB
import NIOCore
import Postbox
import PostboxTestSupport
import Testing

@testable import PostboxServer

@Suite("Thread pages kept in memory")
struct MessagePageCacheTests {
    static func key(_ ticket: String, viewer: String = "u1", role: Role = .member) -> MessagePageCache.Key {
        .init(ticketID: ticket, viewerID: viewer, role: role, before: nil, limit: 50)
    }

    static func page(_ version: Int64, bytes: Int) -> MessagePageCache.Page {
        .init(version: version, body: ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes))
    }

    static func cache(megabytes: Int = 1, seconds: Int = 60) -> MessagePageCache {
        var settings = PageCacheSettings()
        settings.maxMegabytes = megabytes
        settings.maxAgeSeconds = seconds
        return MessagePageCache(settings: settings)
    }

    // MARK: - The cache itself

    @Test func theOldestPagesLeaveFirstWhenTheCapacityIsReached() {
        let cache = Self.cache(megabytes: 1)
        let quarter = (1 << 20) / 4
        for n in 0..<4 { cache.store(Self.page(1, bytes: quarter), for: Self.key("t\(n)"), readIn: cache.generation) }
        #expect(cache.count == 4)
        #expect(cache.bytes == 1 << 20)
        cache.store(Self.page(1, bytes: 10), for: Self.key("t4"), readIn: cache.generation)
        #expect(cache.page(for: Self.key("t0")) == nil, "the oldest left")
        #expect(cache.page(for: Self.key("t1")) != nil)
        #expect(cache.page(for: Self.key("t4")) != nil)
        #expect(cache.bytes == 3 * quarter + 10)

        // A page stored again is new: it leaves last, and its old bytes are not counted twice.
        cache.store(Self.page(2, bytes: quarter), for: Self.key("t1"), readIn: cache.generation)
        #expect(cache.bytes == 3 * quarter + 10)
        cache.store(Self.page(1, bytes: quarter), for: Self.key("t5"), readIn: cache.generation)
        #expect(cache.page(for: Self.key("t2")) == nil)
        #expect(cache.page(for: Self.key("t1"))?.version == 2)
        #expect(cache.bytes <= 1 << 20)
    }

    @Test func aPageStoredAgainAndAgainLeavesNoPileOfSlots() {
        let cache = Self.cache()
        cache.store(Self.page(1, bytes: 10), for: Self.key("old"), readIn: cache.generation)
        for version in 1...1_000 {
            cache.store(Self.page(Int64(version), bytes: 10), for: Self.key("busy"), readIn: cache.generation)
        }
        #expect(cache.count == 2)
        #expect(cache.orderSlots <= 2 * 2 + 64)
        #expect(cache.page(for: Self.key("busy"))?.version == 1_000)
        #expect(cache.page(for: Self.key("old"))?.version == 1, "the older page is still kept")
    }

    @Test func aPageOverAQuarterOfTheCapacityIsNotKept() {
        let cache = Self.cache(megabytes: 1)
        cache.store(Self.page(1, bytes: (1 << 20) / 4 + 1), for: Self.key("t"), readIn: cache.generation)
        #expect(cache.count == 0)
        #expect(cache.bytes == 0)
    }

    @Test func aPageIsUsedForAtMostTheMaximumAgeAndSweptAfterIt() {
        let cache = Self.cache(seconds: 60)
        let start = ContinuousClock.now
        cache.store(Self.page(7, bytes: 100), for: Self.key("a"), readIn: cache.generation, now: start)
        cache.store(Self.page(7, bytes: 100), for: Self.key("b"), readIn: cache.generation, now: start + .seconds(30))
        #expect(cache.page(for: Self.key("a"), now: start + .seconds(59))?.version == 7)
        #expect(cache.page(for: Self.key("a"), now: start + .seconds(60)) == nil)
        cache.sweep(now: start + .seconds(61))
        #expect(cache.count == 1, "b is younger")
        cache.sweep(now: start + .seconds(90))
        #expect(cache.count == 0)
        #expect(cache.bytes == 0)
    }

    @Test func aPageReadBeforeTheCacheWasEmptiedIsNotKept() {
        let cache = Self.cache()
        cache.store(Self.page(1, bytes: 10), for: Self.key("a"), readIn: cache.generation)
        let readStarted = cache.generation
        cache.removeAll()  // an erasure committed while the page was read
        #expect(cache.count == 0 && cache.bytes == 0)
        cache.store(Self.page(1, bytes: 10), for: Self.key("b"), readIn: readStarted)
        #expect(cache.page(for: Self.key("b")) == nil)
        cache.store(Self.page(1, bytes: 10), for: Self.key("b"), readIn: cache.generation)
        #expect(cache.page(for: Self.key("b")) != nil, "a read after it is kept")
    }

    @Test func pagesAreKeptPerReaderRoleAndPosition() {
        let cache = Self.cache()
        cache.store(Self.page(1, bytes: 10), for: Self.key("t", viewer: "u1", role: .member), readIn: cache.generation)
        #expect(cache.page(for: Self.key("t", viewer: "u2", role: .member)) == nil)
        #expect(cache.page(for: Self.key("t", viewer: "u1", role: .advisor)) == nil)
        #expect(cache.page(for: .init(ticketID: "t", viewerID: "u1", role: .member, before: 40, limit: 50)) == nil)
        #expect(cache.page(for: .init(ticketID: "t", viewerID: "u1", role: .member, before: nil, limit: 20)) == nil)
        #expect(cache.page(for: Self.key("t", viewer: "u1", role: .member)) != nil)
    }

    @Test func theDPOsPagesAndATurnedOffCacheKeepNothing() {
        let dpo = Principal(userID: "d", login: "dora", role: .dpo, organisationID: nil, sessionID: "s", consentVersion: "2026-11")
        let advisor = Principal(userID: "a", login: "anna", role: .advisor, organisationID: nil, sessionID: "s", consentVersion: "2026-11")
        #expect(!Self.cache().keeps(dpo))
        #expect(Self.cache().keeps(advisor))
        let off = Self.cache(megabytes: 0)
        #expect(!off.keeps(advisor))
        off.store(Self.page(1, bytes: 10), for: Self.key("t"), readIn: off.generation)
        #expect(off.count == 0)
    }

    // MARK: - Over TLS

    static func items(_ response: CollectedResponse) throws -> [[String: Any]] {
        try #require(try response.json()["items"] as? [[String: Any]])
    }

    static func read(_ server: TestServer, _ ticket: String, as account: World.Account) async throws -> CollectedResponse {
        try server.expectStatus(
            200, try await server.client.send(
                .GET, server.url("/v1/tickets/\(ticket)/messages"), headers: server.bearer(account.token)))
    }

    @Test func aPageReadAgainShowsEveryChangeHoweverItWasMade() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let ticket = try await world.ticket(by: world.member, kind: "contract", number: World.contract, body: "Erste Frage")
            let first = try await Self.read(server, ticket, as: world.member)
            let again = try await Self.read(server, ticket, as: world.member)
            #expect(again.body == first.body, "the same page, byte for byte")
            #expect(try Self.items(again).map { $0["body"] as? String } == ["Erste Frage"])

            // Through the API.
            let reply = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticket)/messages"), ["body": "Zweite Frage"],
                headers: server.bearer(world.member.token))
            #expect(reply.status == 201)
            _ = try await Self.read(server, ticket, as: world.advisor)
            #expect(try Self.items(try await Self.read(server, ticket, as: world.member)).count == 2)
            #expect(try Self.items(try await Self.read(server, ticket, as: world.advisor)).count == 2)

            // Straight in the database, as an operator's command in another process would: the
            // server has no say in these, only the ticket's version (counted by triggers) tells.
            let db = try testDatabase(server.config.databasePath)
            try await db.write { db in
                try db.execute(sql: "UPDATE messages SET held = 1 WHERE ticket_id = ? AND seq = 2", arguments: [ticket])
            }
            #expect(
                try Self.items(try await Self.read(server, ticket, as: world.advisor)).map { $0["body"] as? String }
                    == ["Erste Frage"], "a held message is hidden from the advisor")
            #expect(
                try Self.items(try await Self.read(server, ticket, as: world.member)).last?["held"] as? Bool == true,
                "its author sees it held")
            try await db.write { db in
                try db.execute(sql: "DELETE FROM messages WHERE ticket_id = ? AND seq = 2", arguments: [ticket])
            }
            #expect(try Self.items(try await Self.read(server, ticket, as: world.member)).count == 1)

            // Scope is checked on every read: a restricted subject hides the ticket at once.
            try await db.write { db in
                try db.execute(
                    sql: "UPDATE tickets SET subject_restricted_at = '2026-12-08 00:00:00.000' WHERE id = ?",
                    arguments: [ticket])
            }
            let hidden = try await server.client.send(
                .GET, server.url("/v1/tickets/\(ticket)/messages"), headers: server.bearer(world.member.token))
            #expect(hidden.status == 404)

            // Every read is audited, those answered from memory too.
            let reads = try await db.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM audit_events WHERE action = 'message.read' AND object_id = ?",
                    arguments: [ticket])
            }
            #expect(reads == 8, "eight pages were given; the refused read is not one")
        }
    }

    @Test func eachReaderGetsTheirOwnPage() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let ticket = try await world.ticket(by: world.member, kind: "contract", number: World.contract, body: "Frage")
            for _ in 0..<2 {
                let member = try Self.items(try await Self.read(server, ticket, as: world.member))
                let advisor = try Self.items(try await Self.read(server, ticket, as: world.advisor))
                #expect(member.first?["mine"] as? Bool == true)
                #expect(member.first?["origin"] == nil, "members do not see origins")
                #expect(advisor.first?["mine"] as? Bool == false)
                #expect((advisor.first?["origin"] as? [String: Any])?["authorId"] as? String == world.member.id)
            }
        }
    }

    @Test func theDPOSeesARectificationsRevisionsOnEveryRead() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let ticket = try await world.ticket(by: world.member, kind: "contract", number: World.contract, body: "Alt")
            let before = try Self.items(try await Self.read(server, ticket, as: world.dpo))
            #expect((before.first?["revisions"] as? [Any])?.isEmpty == true)
            let id = try #require(before.first?["id"] as? String)
            let rectified = try await server.client.sendJSON(
                .PATCH, server.url("/v1/messages/\(id)"), ["body": "Neu", "reason": "Tippfehler"],
                headers: server.bearer(world.member.token))
            #expect(rectified.status == 200)
            for _ in 0..<2 {
                let after = try Self.items(try await Self.read(server, ticket, as: world.dpo))
                #expect(after.first?["body"] as? String == "Neu")
                #expect((after.first?["revisions"] as? [[String: Any]])?.first?["body"] as? String == "Alt")
            }
            let member = try Self.items(try await Self.read(server, ticket, as: world.member))
            #expect(member.first?["body"] as? String == "Neu")

            // Revisions are not counted in the ticket's version: the DPO's page is read each time.
            let db = try testDatabase(server.config.databasePath)
            try await db.write { db in try db.execute(sql: "DELETE FROM message_revisions") }
            let redacted = try Self.items(try await Self.read(server, ticket, as: world.dpo))
            #expect((redacted.first?["revisions"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func withTheCacheOffTheServerRunsAndAnswersAlike() async throws {
        try await TestServer.run(configure: { $0.pageCache.maxMegabytes = 0 }) { server in
            let world = try await World.make(server)
            let ticket = try await world.ticket(by: world.member, kind: "contract", number: World.contract, body: "Frage")
            let first = try await Self.read(server, ticket, as: world.advisor)
            let second = try await Self.read(server, ticket, as: world.advisor)
            #expect(first.body == second.body)
            #expect(try Self.items(second).first?["body"] as? String == "Frage")
        }
    }
}
