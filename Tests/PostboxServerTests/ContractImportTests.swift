import Foundation
import PostboxTestSupport
import Testing

@testable import PostboxServer

@Suite("Bulk contract import from CSV")
struct ContractImportTests {
    @Test func validLinesGoInAndRejectedLinesAreReported() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let file = dir.file("contracts.csv")
            let csv = """
                number;surname;firstName;memberNumber;advisorLogin
                HR-2026-0001;Becker;Jonas;M3003;advisor
                HR-2026-0002;"Öztürk-Lang";;;
                HR-2026-0003;;Anna;;
                !!;Weber;;;
                HR-2026-0005;Fischer;;;nobody
                \(World.contract);Schmidt;;;

                """
            try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
            let result = try await runProcess(
                BuildProducts.executable("postbox-server"),
                ["contracts", "import", "--data-dir", server.config.dataDirectory.path, file, "--json"])
            #expect(result.status == 65, "some lines were rejected: \(result.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(report["imported"] as? Int == 2)
            let rejected = try #require(report["rejected"] as? [[String: Any]])
            #expect(rejected.compactMap { $0["line"] as? Int } == [4, 5, 6, 7])
            #expect((rejected[0]["reason"] as? String)?.contains("holder.surname") == true)
            #expect((rejected[2]["reason"] as? String)?.contains("advisorLogin") == true)
            #expect((rejected[3]["reason"] as? String)?.contains("exists") == true)

            // A member created afterwards with the imported member number is linked and may open a ticket.
            let jonas = try await server.makeUser("jonas", role: "member", adminToken: world.admin, memberNumber: "M3003")
            let opened = try await server.client.sendJSON(
                .POST, server.url("/v1/tickets"),
                ["reference": ["kind": "contract", "number": "HR-2026-0001"], "subject": "Frage", "body": "Hallo"],
                headers: server.bearer(jonas.token))
            #expect(opened.status == 201)
            // The contract's advisor sees it.
            let queue = try await server.client.send(.GET, server.url("/v1/tickets"), headers: server.bearer(world.advisor.token))
            #expect((try queue.json()["items"] as? [Any])?.count == 1)
        }
    }

    /// Over the API the file must come as `text/csv`, in any case; anything else is 415.
    @Test func theImportTakesCSVInAnyCaseAndNothingElse() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let csv = Data("number;surname\nHR-2026-0101;Becker\n".utf8)
            for refused in ["application/json", "text/cs", "text/plain"] {
                let response = try await server.client.send(
                    .POST, server.url("/v1/contracts/import"),
                    headers: server.bearer(world.advisor.token) + [("Content-Type", refused)], body: csv)
                #expect(response.status == 415, "\(refused)")
            }
            let accepted = try await server.client.send(
                .POST, server.url("/v1/contracts/import"),
                headers: server.bearer(world.advisor.token) + [("Content-Type", "Text/CSV; charset=utf-8")], body: csv)
            #expect(accepted.status == 200)
            #expect(try accepted.json()["imported"] as? Int == 1)
        }
    }

    @Test func aFileWithoutTheRequiredHeaderIsRefused() async throws {
        try await TestServer.run { server in
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let file = dir.file("bad.csv")
            try Data("policy,name\nX-1,Y\n".utf8).write(to: URL(fileURLWithPath: file))
            let result = try await runProcess(
                BuildProducts.executable("postbox-server"),
                ["contracts", "import", "--data-dir", server.config.dataDirectory.path, file])
            #expect(result.status == 65)
            #expect(result.stderr.contains("missing number, surname"))
        }
    }
}
