import Foundation
import PostboxTestSupport
import Testing

@testable import Postbox
@testable import PostboxServer

/// The message views write their JSON with `JSONWriter`; what they write must read back as
/// exactly what `JSONEncoder` (Hummingbird's response encoder: `.iso8601` dates) writes.
@Suite("Responses written with JSONWriter")
struct WrittenResponseTests {
    static let awkward = [
        "", "plain", "Grüße aus Köln 👋🏽 — ß", "quote \" backslash \\ slash / end",
        "line\nbreak\r\ttab \u{08}\u{0C} nul \u{0} bell \u{07} unit \u{1F} del \u{7F}",
        "</script><script>alert(1)</script>", "abcdefghijklmnop\"", "0123456789abcdef\u{1}tail", String(repeating: "x", count: 15) + "\\",
        String(repeating: "grün ", count: 40) + "\n" + String(repeating: "ok ", count: 9), "\u{2028}\u{2029} separators", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u{FEFF} bom",
    ]

    func encoderJSON(_ value: some Encodable) throws -> Any {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try JSONSerialization.jsonObject(with: encoder.encode(value))
    }

    func writtenJSON(_ value: some JSONWritable) throws -> Any {
        var json = JSONWriter(capacity: 16)
        value.write(to: &json)
        return try JSONSerialization.jsonObject(with: Data(json.bytes))
    }

    /// Organisation names as `OrganisationNames` gives them; "org/1" has one that needs escaping.
    static let organisations = ["org/1": "Makler \"Alpha\" & Söhne\tGmbH", "org/2": "unused"]

    func message(_ body: String, seq: Int, edited: Bool, revisions: Int) -> Message {
        let origin = Origin(
            authorID: seq.isMultiple(of: 2) ? "u-\(seq)" : nil, role: seq.isMultiple(of: 3) ? nil : .advisor,
            organisationID: seq.isMultiple(of: 2) ? nil : "org/1", channel: "web", ipPrefix: "127.0.0.0/24",
            createdAt: Date(timeIntervalSince1970: 1_795_000_000.987 + Double(seq)))
        return Message(
            id: "m-\(seq)", ticketID: "t-1", seq: seq, body: body, origin: origin,
            editedAt: edited ? Date(timeIntervalSince1970: 1_795_100_000.5) : nil,
            revisions: (0..<revisions).map {
                MessageRevision(
                    body: body + " \($0)", reason: $0 == 0 ? nil : "Tippfehler \"x\"", revisedBy: "dpo",
                    createdAt: Date(timeIntervalSince1970: 1_795_050_000 + Double($0)))
            },
            held: seq.isMultiple(of: 2), categories: seq.isMultiple(of: 2) ? [.health, .religiousBelief] : [])
    }

    @Test(arguments: [Role.advisor, .dpo, .member, .broker])
    func aMessagePageReadsBackAsTheEncodersPage(role: Role) throws {
        let principal = Principal(
            userID: "u-2", login: "x", role: role, organisationID: nil, sessionID: "s", consentVersion: nil)
        let items = Self.awkward.enumerated().map { i, body in
            TicketController.MessageView(
                message(body, seq: i + 1, edited: i.isMultiple(of: 3), revisions: i % 3), for: principal,
                organisations: Self.organisations)
        }
        for next in [nil, 7] {
            let page = TicketController.MessagePage(items: items, nextBefore: next)
            let expected = try encoderJSON(page) as? NSDictionary
            let written = try writtenJSON(page) as? NSDictionary
            #expect(expected != nil)
            #expect(written == expected)
        }
        let empty = TicketController.MessagePage(items: [], nextBefore: nil)
        #expect(try writtenJSON(empty) as? NSDictionary == encoderJSON(empty) as? NSDictionary)
    }

    @Test(arguments: [Role.advisor, .member])
    func aTicketPageReadsBackAsTheEncodersPage(role: Role) throws {
        let principal = Principal(
            userID: "u-2", login: "x", role: role, organisationID: nil, sessionID: "s", consentVersion: nil)
        let items = Self.awkward.enumerated().map { i, title in
            TicketController.TicketView(
                Ticket(
                    id: "t-\(i)", referenceID: "r-\(i)", referenceKind: i.isMultiple(of: 2) ? .contract : .referral,
                    referenceNumber: "KV-\(i)/\"x\"", subjectID: nil, status: i.isMultiple(of: 3) ? .closed : .open,
                    assigneeID: i.isMultiple(of: 2) ? "a-\(i)" : nil, title: title,
                    origin: message("", seq: i + 1, edited: false, revisions: 0).origin,
                    lastActivityAt: Date(timeIntervalSince1970: 1_795_200_000.25 + Double(i))),
                for: principal, organisations: Self.organisations)
        }
        for cursor in [nil, "eyJ0IjoiMjAyNi0xMS0yMiJ9"] {
            let page = TicketController.TicketPage(items: items, nextCursor: cursor)
            let expected = try encoderJSON(page) as? NSDictionary
            #expect(expected != nil)
            #expect(try writtenJSON(page) as? NSDictionary == expected)
        }
    }

    @Test func aPostAnswerWithFindingsReadsBackAsTheEncoders() throws {
        let principal = Principal(
            userID: "u-1", login: "x", role: .advisor, organisationID: "o", sessionID: "s", consentVersion: "1")
        var view = TicketController.MessageView(
            message("Kunde ist schwerhörig 👂", seq: 1, edited: false, revisions: 0), for: principal,
            organisations: Self.organisations)
        #expect(view.origin?.organisationName == Self.organisations["org/1"])
        view.findings = [
            FindingView(Finding(category: .health, start: 10, end: 21, match: "schwerhörig", suggestion: "Bitte \"laut\" klingeln."), field: "body"),
            FindingView(Finding(category: .religiousBelief, start: 0, end: 3, match: "x\ny", suggestion: nil)),
        ]
        let expected = try encoderJSON(view) as? NSDictionary
        #expect(expected?["findings"] != nil)
        #expect(try writtenJSON(view) as? NSDictionary == expected)
    }

    @Test func integersDatesAndEscapesAreWrittenExactly() throws {
        var json = JSONWriter()
        json.beginArray()
        for n in [0, 7, -1, 10, 1_234_567_890, Int.max, Int.min] { json.int(n) }
        json.date(Date(timeIntervalSince1970: 0))
        json.date(Date(timeIntervalSince1970: 1_795_000_000.999))
        json.string("a\"b\\c\n\u{1}é")
        json.bool(true)
        json.null()
        json.beginObject()
        json.endObject()
        json.endArray()
        let text = String(decoding: json.bytes, as: UTF8.self)
        #expect(
            text
                == #"[0,7,-1,10,1234567890,9223372036854775807,-9223372036854775808,"1970-01-01T00:00:00Z","2026-11-18T11:06:40Z","a\"b\\c\n\u0001é",true,null,{}]"#
        )
    }

    @Test func aLiveThreadIsAnsweredByTheWriter() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let ticket = try await world.ticket(
                by: world.advisor, kind: "contract", number: World.contract, body: "Erste Nachricht / mit \"Zitat\"")
            let response = try await server.client.send(
                .GET, server.url("/v1/tickets/\(ticket)/messages"), headers: server.bearer(world.advisor.token))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json; charset=utf-8")
            let text = String(decoding: response.body, as: UTF8.self)
            // JSONEncoder writes "\/"; the writer leaves slashes as they are.
            #expect(text.contains(#""ipPrefix":"127.0.0.0/24""#))
            let items = try #require(try response.json()["items"] as? [[String: Any]])
            #expect(items.first?["body"] as? String == "Erste Nachricht / mit \"Zitat\"")
        }
    }
}
