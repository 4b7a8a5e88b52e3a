import AsyncHTTPClient
import Foundation
import PostboxTestSupport
import Testing

@testable import PostboxServer

/// One scrape of `GET /metrics`, parsed into `name{label="value",...}` → value (labels sorted),
/// so that tests compare figures without depending on the order the registry writes them in.
struct Figures {
    let samples: [String: Double]
    let text: String

    init(_ text: String) throws {
        self.text = text
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw ProcessFailure("not a sample line: \(line)")
            }
            samples[Self.key(String(line[..<space]))] = value
        }
        self.samples = samples
    }

    /// `name{b="2",a="1"}` → `name{a="1",b="2"}` (label values here hold no commas or quotes).
    static func key(_ series: String) -> String {
        guard let brace = series.firstIndex(of: "{") else { return series }
        let labels = series[series.index(after: brace)..<series.index(before: series.endIndex)]
            .split(separator: ",").map(String.init).sorted()
        return "\(series[..<brace]){\(labels.joined(separator: ","))}"
    }

    subscript(_ series: String) -> Double? { samples[Self.key(series)] }

    /// How much `series` grew since `earlier` (a series that did not exist counts from 0).
    func delta(_ series: String, since earlier: Figures) -> Double {
        (self[series] ?? 0) - (earlier[series] ?? 0)
    }
}

@Suite("Prometheus metrics: requests, logins, flags and store size for admins and a loopback scraper")
struct MetricsTests {
    static func scrape(_ server: TestServer, token: String) async throws -> Figures {
        let response = try server.expectStatus(
            200, try await server.client.send(.GET, server.url("/metrics"), headers: server.bearer(token)))
        #expect(response.header("content-type") == "text/plain; version=0.0.4; charset=utf-8")
        return try Figures(String(decoding: response.body, as: UTF8.self))
    }

    @Test func loginsFlagsAndStoreSizeAreCountedAndShownToAdminsOnly() async throws {
        try await TestServer.run(configure: {
            $0.loginThrottle.maxAccountFailures = 2
            $0.specialCategories.member = .hold
        }) { server in
            let world = try await World.make(server)
            let before = try await Self.scrape(server, token: world.admin)
            // Every series exists from the start, so a scrape shows zeros rather than gaps.
            #expect(before["postbox_special_category_flags_total{category=\"genetic\",outcome=\"held\"}"] == 0)
            #expect(before["postbox_login_lockouts_total"] == 0)
            #expect(before["postbox_logins_total{outcome=\"success\"}"] == 8, "World.make logs in eight accounts")

            // Not for anyone else, and not without a session.
            #expect(try await server.client.send(.GET, server.url("/metrics")).status == 401)
            for token in [world.dpo.token, world.advisor.token, world.brokerA.token, world.member.token] {
                #expect(try await server.client.send(.GET, server.url("/metrics"), headers: server.bearer(token)).status == 403)
            }

            // Logins: two failures lock the login (the second one locks), the third is refused unchecked.
            for _ in 0..<3 {
                _ = try await server.client.sendJSON(
                    .POST, server.url("/v1/session"), ["login": "advisor", "password": "not the passphrase"])
            }
            _ = try await world.relogin("maria")

            // Flags: a broker is refused, then acknowledges; a member's text is held; an advisor's is stored.
            let number = try await world.referral(by: world.brokerA)
            var body: [String: Any] = [
                "reference": ["kind": "referral", "number": number], "subject": "Termin",
                "body": "Kunde ist gehbehindert, bitte Geduld.",
            ]
            #expect(try await server.client.sendJSON(
                .POST, server.url("/v1/tickets"), body, headers: server.bearer(world.brokerA.token)).status == 422)
            body["acknowledgeSpecialCategories"] = true
            let ticket = try server.expectStatus(201, try await server.client.sendJSON(
                .POST, server.url("/v1/tickets"), body, headers: server.bearer(world.brokerA.token)))
            let memberTicket = try await world.ticket(by: world.member, kind: "contract", number: World.contract)
            _ = try server.expectStatus(201, try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(memberTicket)/messages"), ["body": "Ich bin gehbehindert."],
                headers: server.bearer(world.member.token)))
            let ticketID = try #require((try ticket.json()["ticket"] as? [String: Any])?["id"] as? String)
            _ = try server.expectStatus(201, try await server.client.sendJSON(
                .POST, server.url("/v1/tickets/\(ticketID)/messages"), ["body": "Der Kunde ist gehbehindert."],
                headers: server.bearer(world.advisor.token)))

            let after = try await Self.scrape(server, token: world.admin)
            #expect(after.delta("postbox_logins_total{outcome=\"failure\"}", since: before) == 2)
            #expect(after.delta("postbox_logins_total{outcome=\"throttled\"}", since: before) == 1)
            #expect(after.delta("postbox_login_lockouts_total", since: before) == 1)
            #expect(after.delta("postbox_logins_total{outcome=\"success\"}", since: before) == 1)
            let health = { (outcome: String) in "postbox_special_category_flags_total{category=\"health\",outcome=\"\(outcome)\"}" }
            #expect(after.delta(health("rejected"), since: before) == 1)
            #expect(after.delta(health("held"), since: before) == 1)
            #expect(after.delta(health("stored"), since: before) == 2, "the acknowledged ticket and the advisor's reply")
            #expect(after.delta("postbox_special_category_flags_total{category=\"religious_belief\",outcome=\"stored\"}", since: before) == 0)
            // Two tickets (subject and text) twice, one more ticket, two replies: 2 + 2 + 2 + 1 + 1.
            #expect(after.delta("postbox_screened_fields_total", since: before) == 8)

            // The store's size is read when asked for.
            let database = try #require(after["postbox_store_bytes{file=\"database\"}"])
            let onDisk = try FileManager.default.attributesOfItem(atPath: server.config.databasePath)[.size] as? Int ?? 0
            #expect(database >= 4096 && database <= Double(onDisk))
            #expect(after["postbox_store_bytes{file=\"wal\"}"] != nil)

            // Nothing that names a person or an address.
            for secret in ["advisor", "maria", "gehbehindert", "127.0.0.1", world.brokerA.id, ticketID] {
                #expect(!after.text.contains(secret), "the figures contain \(secret)")
            }
        }
    }

    @Test func aLoopbackListenerServesTheFiguresWithoutASessionAndNothingElse() async throws {
        try await TestServer.run(configure: { $0.metricsPort = 0 }) { server in
            let admin = try await server.adminToken()
            let line = try #require(server.logs.recorded.first { $0.contains("metrics listening") })
            let url = try #require(line.split(separator: " ").first { $0.hasPrefix("url=") }.map { String($0.dropFirst(4)) })
            #expect(url.hasPrefix("http://127.0.0.1:") && url.hasSuffix("/metrics"))

            let plain = HTTPClient(eventLoopGroupProvider: .singleton)
            let loopback = try server.expectStatus(200, try await plain.send(.GET, url))
            #expect(loopback.header("content-type") == MetricsController.contentType)
            let figures = try Figures(String(decoding: loopback.body, as: UTF8.self))
            #expect(figures["postbox_logins_total{outcome=\"success\"}"] == 1)
            // The same registry as the API's `GET /metrics`.
            #expect(try await Self.scrape(server, token: admin)["postbox_logins_total{outcome=\"success\"}"] == 1)
            // Only the figures: the API is not reachable through it.
            let api = url.replacingOccurrences(of: "/metrics", with: "/v1/tickets")
            #expect(try await plain.send(.GET, api, headers: server.bearer(admin)).status == 404)
            #expect(try await plain.send(.GET, url.replacingOccurrences(of: "/metrics", with: "/health")).status == 404)
            try await plain.shutdown()
        }
    }

    @Test func withoutTheSettingThereIsNoLoopbackListener() async throws {
        try await TestServer.run { server in
            _ = try await server.adminToken()
            #expect(!server.logs.recorded.contains { $0.contains("metrics listening") })
        }
    }

    /// Request counts and latency come from Hummingbird's middleware through swift-metrics'
    /// process-wide backend, which `serve` sets: so they are checked on the server binary.
    @Test func theServerCountsRequestsByRoutePatternMethodAndStatus() async throws {
        let server = try await ServerProcess.start()
        defer { server.stop() }
        let client = try TestHTTPClient.make(trustingCAPEM: try String(contentsOfFile: server.caFile, encoding: .utf8))
        do {
            try await checkRequestFigures(server, client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    func checkRequestFigures(_ server: ServerProcess, _ client: HTTPClient) async throws {
        let password = "admin passphrase 2026"
        #expect(try await client.sendJSON(
            .POST, server.baseURL + "/v1/activate",
            ["login": server.adminLogin, "activationCode": server.activationCode, "password": password]).status == 200)
        let session = try await client.sendJSON(
            .POST, server.baseURL + "/v1/session", ["login": server.adminLogin, "password": password])
        let token = try #require(try session.json()["token"] as? String)
        let auth = [("Authorization", "Bearer \(token)")]
        let unknownUser = "0196a000-0000-7000-8000-000000000001"
        #expect(try await client.sendJSON(
            .PATCH, server.baseURL + "/v1/users/\(unknownUser)", ["status": "disabled"], headers: auth).status == 404)
        #expect(try await client.send(.GET, server.baseURL + "/metrics").status == 401)

        // The second scrape shows the first one.
        _ = try await client.send(.GET, server.baseURL + "/metrics", headers: auth)
        let response = try await client.send(.GET, server.baseURL + "/metrics", headers: auth)
        #expect(response.status == 200)
        let figures = try Figures(String(decoding: response.body, as: UTF8.self))
        let series = { (name: String, route: String, method: String, status: Int) in
            "\(name){http_request_method=\"\(method)\",http_response_status_code=\"\(status)\",http_route=\"\(route)\"}"
        }
        #expect(figures[series("http_server_requests_total", "/v1/session", "POST", 201)] == 1)
        #expect(figures[series("http_server_requests_total", "/v1/activate", "POST", 200)] == 1)
        #expect(figures[series("http_server_requests_total", "/metrics", "GET", 401)] == 1)
        #expect(figures[series("http_server_requests_total", "/metrics", "GET", 200)] == 1)
        #expect(figures[series("http_server_requests_total", "/v1/users/{id}", "PATCH", 404)] == 1)
        #expect(figures[series("http_server_request_duration_count", "/v1/session", "POST", 201)] == 1)
        #expect(figures["postbox_logins_total{outcome=\"success\"}"] == 1)
        // Routes are patterns: the id asked for is not in the figures.
        #expect(!figures.text.contains(unknownUser))
        #expect(server.errorLines.isEmpty, "\(server.errorLines)")
    }
}
