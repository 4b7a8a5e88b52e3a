import AsyncHTTPClient
import Foundation
import PostboxTestSupport
import Testing

/// A working day with the real `postbox` binary against a real `postbox-server` over verified TLS.
@Suite("postbox staff commands against a live server")
struct StaffCommandTests {
    let cli = BuildProducts.executable("postbox")

    /// One person at one terminal: their own credentials directory.
    struct Terminal {
        let cli: String
        let home: TemporaryDirectory
        let server: ServerProcess

        var environment: [String: String] {
            ["XDG_CONFIG_HOME": home.path, "POSTBOX_SERVER": server.baseURL, "POSTBOX_CA": server.caFile, "NO_COLOR": "1"]
        }

        @discardableResult
        func run(_ arguments: [String], stdin: String? = nil, expect status: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation)
            async throws -> ProcessResult
        {
            let result = try await runProcess(cli, arguments, environment: environment, stdin: stdin ?? "")
            #expect(
                result.status == status,
                "postbox \(arguments.joined(separator: " ")): \(result.stderr) server errors: \(server.errorLines)",
                sourceLocation: sourceLocation)
            return result
        }

        func json(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
            let result = try await run(arguments + ["--json"], sourceLocation: sourceLocation)
            guard let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
                throw ProcessFailure("not a JSON object: \(result.stdout)")
            }
            return object
        }

        func login(_ login: String, _ password: String) async throws {
            try await run(["login", login, "--password-stdin"], stdin: password + "\n")
            try await run(["terms", "--accept"])
        }
    }

    static func password(_ login: String) -> String { "passphrase of \(login) 2026" }

    static func fixture(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: "Resources/\(name)", withExtension: nil) else {
            throw ProcessFailure("missing fixture \(name)")
        }
        return try Data(contentsOf: url)
    }

    /// The admin is activated over HTTP (activation is the member's browser step, not a staff command).
    static func activate(_ http: HTTPClient, _ server: ServerProcess, _ login: String, code: String) async throws {
        let response = try await http.sendJSON(
            .POST, server.baseURL + "/v1/activate", ["login": login, "activationCode": code, "password": password(login)])
        guard response.status == 200 else { throw ProcessFailure("activating \(login): \(response.status)") }
    }

    @Test func anAdvisorDayAndADPODayFromTheTerminal() async throws {
        let server = try await ServerProcess.start()
        defer { server.stop() }
        let http = try TestHTTPClient.make(trustingCAPEM: try String(contentsOfFile: server.caFile, encoding: .utf8))
        do {
            try await workingDay(http, server)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
    }

    func workingDay(_ http: HTTPClient, _ server: ServerProcess) async throws {
        try await Self.activate(http, server, "admin", code: server.activationCode)
        let homes = try (0..<3).map { _ in try TemporaryDirectory() }
        defer { homes.forEach { $0.remove() } }
        let admin = Terminal(cli: cli, home: homes[0], server: server)
        let advisor = Terminal(cli: cli, home: homes[1], server: server)
        let dpo = Terminal(cli: cli, home: homes[2], server: server)

        // The admin registers the broker's firm and sets up accounts; each activation code is printed once.
        try await admin.login("admin", Self.password("admin"))
        let firm = try await admin.run(["organisations", "create", "Makler Alpha GmbH", "--partner-number", "P-A"])
        #expect(firm.stdout.hasPrefix("registered Makler Alpha GmbH (P-A) as "))
        try await admin.run(["organisations", "create", "Makler Zwei", "--partner-number", "P-A"], expect: 1)  // taken
        let firms = try #require(try await admin.json(["organisations", "list"])["items"] as? [[String: Any]])
        #expect(firms.map { $0["partnerNumber"] as? String } == ["P-A"])
        #expect(try await admin.run(["organisations", "list"]).stdout.contains("Makler Alpha GmbH"))
        for (login, extra) in [
            ("anna", ["--role", "advisor", "--name", "Anna Advisor"]), ("ben", ["--role", "advisor"]),
            ("dora", ["--role", "dpo"]), ("bruno", ["--role", "broker", "--org", "P-A"]),
            ("maria", ["--role", "member", "--member-number", "M1001"]),
        ] {
            let created = try await admin.json(["users", "create", login] + extra)
            let code = try #require(created["activationCode"] as? String)
            try await Self.activate(http, server, login, code: code)
        }
        let human = try await admin.run(["users", "create", "carl", "--role", "advisor"])
        #expect(human.stdout.contains("activation code (shown once): "))
        let users = try #require(try await admin.json(["users", "list"])["items"] as? [[String: Any]])
        #expect(Set(users.compactMap { $0["login"] as? String }) == ["admin", "anna", "ben", "carl", "dora", "bruno", "maria"])

        // Contracts from a CSV file: good lines go in, the bad one is reported with its line number.
        let csv = homes[0].file("bestand.csv")
        try "number;surname;firstName;memberNumber;advisorLogin\nKV-1;Schmidt;Maria;M1001;anna\n;Nobody;;;\nKV-2;Berg;;;\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let imported = try await admin.run(["contracts", "import", csv], expect: 65)
        #expect(imported.stdout.hasPrefix("imported 2 contracts; rejected 1 lines"))
        #expect(imported.stdout.contains("line 3: number"))

        // A broker (web client) refers a customer and opens a ticket.
        let brokerToken = try await http.sendJSON(
            .POST, server.baseURL + "/v1/session", ["login": "bruno", "password": Self.password("bruno")]
        ).json()["token"] as? String ?? ""
        let broker = [("Authorization", "Bearer \(brokerToken)"), ("X-Postbox-Channel", "web")]
        _ = try await http.sendJSON(.POST, server.baseURL + "/v1/me/consent", ["version": "2026-11"], headers: broker)
        let referral = try await http.sendJSON(
            .POST, server.baseURL + "/v1/referrals",
            ["surname": "Schmidt", "phone": "+49 89 1234567", "licensePlate": "M-AB 1234", "policyNumber": "KV-1"],
            headers: broker)
        let referralNumber = try #require(try referral.json()["number"] as? String)
        let opened = try await http.sendJSON(
            .POST, server.baseURL + "/v1/tickets",
            ["reference": ["kind": "referral", "number": referralNumber], "subject": "Glasschaden Frontscheibe",
             "body": "Kunde bittet um Rückruf."], headers: broker)
        let ticketID = try #require((try opened.json()["ticket"] as? [String: Any])?["id"] as? String)

        // The advisor's day: list, show, reply, assign, close.
        try await advisor.login("anna", Self.password("anna"))
        let list = try await advisor.run(["tickets", "list"])
        #expect(list.stdout.hasPrefix("ID"))
        #expect(list.stdout.contains(ticketID) && list.stdout.contains("Glasschaden Frontscheibe"))
        let listed = try #require(try await advisor.json(["tickets", "list", "--status", "open"])["items"] as? [[String: Any]])
        #expect(listed.map { $0["id"] as? String } == [ticketID])
        let show = try await advisor.run(["tickets", "show", ticketID])
        #expect(show.stdout.contains("Kunde bittet um Rückruf."))
        #expect(show.stdout.contains("broker") && show.stdout.contains("web") && show.stdout.contains("127.0.0.0/24"))
        #expect(show.stdout.contains(" · Makler Alpha GmbH · web · "), "the broker's firm by name")
        let replied = try await advisor.run(["tickets", "reply", ticketID, "--message", "Wir rufen morgen an."])
        #expect(replied.stdout.hasPrefix("sent message #2"))
        // Special categories: shown, and without a terminal to confirm on, not sent.
        let refused = try await advisor.run(["tickets", "reply", ticketID], stdin: "Der Kunde hat Diabetes.", expect: 1)
        #expect(refused.stderr.contains("special category health"))
        #expect(refused.stderr.contains("postbox: Not sent"))
        let confirmed = try await advisor.run(["tickets", "reply", ticketID, "--yes"], stdin: "Der Kunde hat Diabetes.")
        #expect(confirmed.stdout.hasPrefix("sent message #3"))
        try await advisor.run(["tickets", "assign", ticketID, "me"])
        let mine = try #require(try await advisor.json(["tickets", "list", "--mine"])["items"] as? [[String: Any]])
        #expect(mine.map { $0["id"] as? String } == [ticketID])
        try await advisor.run(["tickets", "close", ticketID])
        let thread = try await advisor.json(["tickets", "show", ticketID])
        #expect((thread["ticket"] as? [String: Any])?["status"] as? String == "closed")
        #expect((thread["messages"] as? [[String: Any]])?.count == 3)
        #expect(
            ((thread["messages"] as? [[String: Any]])?.last?["origin"] as? [String: Any])?["channel"] as? String == "cli")

        // The advisor opens a ticket on a contract, corrects its first message, attaches a photo.
        let openedHere = try await advisor.run(
            ["tickets", "open", "--contract", "KV-1", "--subject", "Beitragsanpassung", "--message", "Beitrag steigt zum 1.1."])
        #expect(openedHere.stdout.hasPrefix("opened ticket "))
        let contractTicket = String(openedHere.stdout.dropFirst("opened ticket ".count).prefix { !$0.isWhitespace })
        try await advisor.run(["tickets", "open", "--subject", "x", "--message", "y"], expect: 64)  // no reference
        let sick = try await advisor.run(
            ["tickets", "open", "--referral", referralNumber, "--subject", "Reha nach Bandscheibenvorfall"], stdin: "Bitte melden.",
            expect: 1)
        #expect(sick.stderr.contains("special category health") && sick.stderr.contains("Not sent"))
        let rectified = try await advisor.run(
            ["tickets", "rectify", contractTicket, "1", "--reason", "falsches Datum"], stdin: "Beitrag steigt zum 1.2.")
        #expect(rectified.stdout == "rectified message #1\n")
        let corrected = try await advisor.json(["tickets", "show", contractTicket])
        #expect((corrected["messages"] as? [[String: Any]])?.first?["body"] as? String == "Beitrag steigt zum 1.2.")
        try await advisor.run(["tickets", "rectify", contractTicket, "7", "--reason", "r", "--message", "m"], expect: 66)

        let photo = homes[1].file("Frontscheibe.jpg")
        try (try Self.fixture("damage-photo.jpg")).write(to: URL(fileURLWithPath: photo))
        let uploaded = try await advisor.run(["attachments", "upload", contractTicket, photo])
        #expect(uploaded.stdout.hasPrefix("attached Frontscheibe.jpg as "))
        #expect(uploaded.stdout.contains("gps"))
        let attachments = try #require(try await advisor.json(["attachments", "list", contractTicket])["items"] as? [[String: Any]])
        let attachmentID = try #require(attachments.first?["id"] as? String)
        #expect(attachments.count == 1 && attachments.first?["name"] as? String == "Frontscheibe.jpg")
        let saved = homes[1].file("saved.jpg")
        let downloaded = try await advisor.run(["attachments", "download", attachmentID, "-o", saved])
        #expect(downloaded.stdout.hasPrefix("wrote \(saved)"))
        let savedBytes = try Data(contentsOf: URL(fileURLWithPath: saved))
        let original = try Self.fixture("damage-photo.jpg")
        #expect(savedBytes.starts(with: [0xFF, 0xD8]) && savedBytes.count < original.count, "stored without its metadata")
        #expect(try FileManager.default.attributesOfItem(atPath: saved)[.posixPermissions] as? Int == 0o600)
        let notes = homes[1].file("notes.txt")
        try "text".write(toFile: notes, atomically: true, encoding: .utf8)
        let refusedFile = try await advisor.run(["attachments", "upload", contractTicket, notes], expect: 65)
        #expect(refusedFile.stderr.contains("only .jpg, .jpeg, .png and .pdf"))

        // The contract ends: a day that does not exist is refused, a real one recorded, then withdrawn.
        let badDay = try await advisor.run(["contracts", "end", "KV-1", "--on", "2026-02-30"], expect: 1)
        #expect(badDay.stderr.hasPrefix("postbox: Invalid input"))
        let ended = try await advisor.run(["contracts", "end", "KV-1", "--on", "2026-10-31"])
        #expect(ended.stdout == "contract KV-1 ended on 2026-10-31\n")
        let running = try await advisor.json(["contracts", "end", "KV-1", "--running"])
        #expect(running["endsOn"] is NSNull && running["number"] as? String == "KV-1")
        try await advisor.run(["contracts", "end", "KV-404"], expect: 66)

        let unknownAdvisor = try await advisor.run(["tickets", "assign", ticketID, "nobody"], expect: 1)
        #expect(unknownAdvisor.stderr.hasPrefix("postbox: Invalid input"))
        let check = try await advisor.run(["classify", "Sie ist schwanger."], expect: 1)
        #expect(check.stdout.contains("special category health"))
        try await advisor.run(["tickets", "show", "no-such-ticket"], expect: 66)

        // The DPO's day: review, search by plate, export to a file, erase.
        try await dpo.login("dora", Self.password("dora"))
        let queue = try #require(try await dpo.json(["review", "list"])["items"] as? [[String: Any]])
        let flagged = try #require(queue.first { ($0["categories"] as? [String]) == ["health"] })
        let itemID = try #require(flagged["id"] as? String)
        let kept = try await dpo.run(["review", "keep", itemID, "--reason", "needed for the claim"])
        #expect(kept.stdout.contains("kept"))
        try await dpo.run(["review", "keep", itemID], expect: 64)  // --reason is required

        let search = try await dpo.run(["subjects", "search", "--plate", "m ab 1234"])
        #expect(search.stdout.contains("licence_plate") && search.stdout.contains(referralNumber))
        let found = try #require(try await dpo.json(["subjects", "search", "--plate", "M-AB 1234"])["subjects"] as? [[String: Any]])
        let subjectID = try #require(found.first?["id"] as? String)
        let exportFile = homes[2].file("auskunft.json")
        let exported = try await dpo.run(["subjects", "export", subjectID, "-o", exportFile])
        #expect(exported.stdout.hasPrefix("wrote \(exportFile)"))
        let mode = try FileManager.default.attributesOfItem(atPath: exportFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let document = try #require(
            try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: exportFile))) as? [String: Any])
        #expect(document["schema"] as? String == "postbox-export/1")
        let exportedMessages = (document["tickets"] as? [[String: Any]])?.first?["messages"] as? [[String: Any]]
        #expect(exportedMessages?.map { ($0["origin"] as? [String: Any])?["channel"] as? String } == ["web", "cli", "cli"])
        let page = homes[2].file("auskunft.html")
        try await dpo.run(["subjects", "export", subjectID, "--format", "html", "-o", page])
        #expect(try String(contentsOfFile: page, encoding: .utf8).contains("Makler Alpha GmbH"))
        // The zip arrives streamed into the file: the photo byte for byte beside the documents.
        let archive = homes[2].file("auskunft.zip")
        try await dpo.run(["subjects", "export", subjectID, "--format", "zip", "-o", archive])
        #expect(try FileManager.default.attributesOfItem(atPath: archive)[.posixPermissions] as? Int == 0o600)
        let unzipped = homes[2].file("unzipped")
        let unzip = try await runProcess("/usr/bin/unzip", ["-q", archive, "-d", unzipped])
        #expect(unzip.status == 0, "\(unzip.stderr)")
        #expect(
            try Set(FileManager.default.subpathsOfDirectory(atPath: unzipped))
                == ["export.json", "export.html", "attachments", "attachments/\(attachmentID)-Frontscheibe.jpg"])
        #expect(FileManager.default.contents(atPath: unzipped + "/attachments/\(attachmentID)-Frontscheibe.jpg") == savedBytes)
        // A refused export leaves the file as it was and no partial file beside it.
        let before = try Data(contentsOf: URL(fileURLWithPath: archive))
        try await dpo.run(["subjects", "export", "no-such-subject", "--format", "zip", "-o", archive], expect: 66)
        #expect(try Data(contentsOf: URL(fileURLWithPath: archive)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: homes[2].path).filter { $0.hasSuffix(".part") }.isEmpty)

        let unconfirmed = try await dpo.run(["subjects", "erase", subjectID], expect: 1)
        #expect(unconfirmed.stderr.contains("Not erased"))
        let erased = try await dpo.run(["subjects", "erase", subjectID, "--yes"])
        #expect(erased.stdout.contains("erased") && erased.stdout.contains(referralNumber))
        #expect(erased.stdout.contains("retained") && erased.stdout.contains("KV-1"))
        let nobody = try #require(try await dpo.json(["subjects", "search", "--plate", "M-AB 1234"])["subjects"] as? [Any])
        #expect(nobody.isEmpty)
        let verified = try await dpo.run(["audit", "verify"])
        #expect(verified.stdout.hasPrefix("audit chain OK"))
        let events = try #require(try await dpo.json(["audit", "list", "--action", "subject.erase"])["items"] as? [[String: Any]])
        #expect(events.map { $0["objectId"] as? String } == [subjectID])

        // Roles still hold at the terminal: an advisor may not search subjects or list users.
        try await advisor.run(["subjects", "search", "--plate", "M-AB 1234"], expect: 77)
        try await advisor.run(["users", "list"], expect: 77)
        try await admin.run(["users", "disable", "ben"])
        let after = try #require(try await admin.json(["users", "list"])["items"] as? [[String: Any]])
        #expect(after.first { $0["login"] as? String == "ben" }?["status"] as? String == "disabled")
        #expect(after.first { $0["id"] as? String == users.first { $0["login"] as? String == "maria" }?["id"] as? String }?["status"] as? String == "erased")
    }

    @Test func aWrongCAIsRefusedAndNoTokenIsSent() async throws {
        let server = try await ServerProcess.start()
        defer { server.stop() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let otherCA = home.file("other.pem")
        try DevCAFile.write(to: otherCA)
        let result = try await runProcess(
            cli, ["tickets", "list", "--server", server.baseURL, "--ca", otherCA], environment: ["XDG_CONFIG_HOME": home.path])
        #expect(result.status == 77, "not logged in is checked first: \(result.stderr)")
        let login = try await runProcess(
            cli, ["login", "admin", "--password-stdin", "--server", server.baseURL, "--ca", otherCA],
            environment: ["XDG_CONFIG_HOME": home.path], stdin: "whatever passphrase\n")
        #expect(login.status == 69)
        #expect(login.stderr.hasPrefix("postbox: Server unreachable: TLS failed"))
        #expect(!FileManager.default.fileExists(atPath: home.file("postbox/credentials")))
    }
}
