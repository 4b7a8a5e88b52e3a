import AsyncHTTPClient
import Foundation
import GRDB
import NIOCore
import PostboxTestSupport
import Testing
import ZIPFoundation

@testable import PostboxServer

@Suite("Attachments: metadata removed on arrival, encrypted at rest, streamed out")
struct AttachmentTests {
    static func fixture(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: "Resources/\(name)", withExtension: nil) else {
            throw ProcessFailure("missing fixture \(name)")
        }
        return try Data(contentsOf: url)
    }

    /// Runs a tool on `input` written to a file; returns its standard output.
    static func tool(_ path: String, _ arguments: [String], input: Data, in dir: TemporaryDirectory) async throws -> String {
        let file = dir.file(UUID().uuidString)
        try input.write(to: URL(fileURLWithPath: file))
        let result = try await runProcess(path, arguments + [file])
        guard result.status == 0 else { throw ProcessFailure("\(path) failed: \(result.stderr)") }
        return result.stdout
    }

    func upload(
        _ server: TestServer, ticket: String, _ bytes: Data, type: String, name: String? = nil, token: String
    ) async throws -> CollectedResponse {
        var headers = server.bearer(token) + [("Content-Type", type)]
        if let name {
            let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
            headers.append(("Content-Disposition", "attachment; filename*=UTF-8''\(encoded)"))
        }
        return try await server.client.send(
            .POST, server.url("/v1/tickets/\(ticket)/attachments"), headers: headers, body: bytes)
    }

    @Test func aPhotoLosesGPSDateAndCameraKeepsItsPixelsAndIsEncryptedAtRest() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let ticket = try await world.ticket(by: world.member, kind: "contract", number: World.contract, subject: "Hagel")
            let original = try Self.fixture("damage-photo.jpg")
            let before = try await Self.tool("/usr/bin/exiftool", ["-j", "-G", "-a"], input: original, in: dir)
            #expect(before.contains("ZEBRAEXIF-4711") && before.contains("GPSLatitude"), "the fixture carries metadata")

            let response = try await upload(server, ticket: ticket, original, type: "image/jpeg", name: "Schaden vorne.jpg", token: world.member.token)
            #expect(response.status == 201, "\(String(decoding: response.body, as: UTF8.self))")
            let created = try response.json()
            let id = try #require(created["id"] as? String)
            #expect(created["name"] as? String == "Schaden vorne.jpg")
            #expect(created["contentType"] as? String == "image/jpeg")
            #expect(created["metadataRemoved"] as? Bool == true)
            let removed = Set(created["removedMetadata"] as? [String] ?? [])
            #expect(removed.isSuperset(of: ["gps", "datetime", "camera", "exif", "xmp", "iptc", "comment"]))

            let download = try await server.client.send(
                .GET, server.url("/v1/attachments/\(id)"), headers: server.bearer(world.advisor.token))
            #expect(download.status == 200)
            #expect(download.header("content-type") == "image/jpeg")
            #expect(download.header("content-disposition")?.hasPrefix("attachment;") == true)
            #expect(download.header("x-content-type-options") == "nosniff")
            #expect(download.body.count == created["size"] as? Int)
            let after = try await Self.tool("/usr/bin/exiftool", ["-j", "-G", "-a"], input: download.body, in: dir)
            let tags = [
                "GPS", "EXIF:DateTimeOriginal", "EXIF:CreateDate", "EXIF:ModifyDate", "EXIF:Make", "EXIF:Model", "ZEBRA", "XMP",
                "IPTC", "File:Comment",
            ]
            #expect(tags.filter { before.contains($0) }.count == tags.count, "the original has every one")
            for tag in tags {
                #expect(!after.contains(tag), "\(tag) is gone")
            }
            #expect(after.contains("\"EXIF:Orientation\": \"Rotate 90 CW\""), "the orientation is kept: \(after)")
            // Same pixels: the decoded images are identical.
            let pixelsBefore = try await Self.tool("/usr/bin/djpeg", ["-pnm"], input: original, in: dir)
            let pixelsAfter = try await Self.tool("/usr/bin/djpeg", ["-pnm"], input: download.body, in: dir)
            #expect(pixelsBefore == pixelsAfter && pixelsBefore.count > 100)

            // At rest: neither the metadata nor the picture's bytes are in the database file.
            let database = try testDatabase(server.config.databasePath)
            _ = try await database.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            let file = FileManager.default.contents(atPath: server.config.databasePath) ?? Data()
            for marker in ["ZEBRAEXIF-4711", "ZebraCam", "ZEBRAXMP-4711", "Schaden vorne"] {
                #expect(file.range(of: Data(marker.utf8)) == nil)
            }
            #expect(file.range(of: download.body.subdata(in: 600..<664)) == nil, "the image data is encrypted")

            // Every download is audited; the broker of another firm may not read it; the export carries it.
            let events = try await server.client.send(
                .GET, server.url("/v1/audit?action=attachment.read"), headers: server.bearer(world.dpo.token))
            #expect((try events.json()["items"] as? [[String: Any]])?.first?["objectId"] as? String == id)
            #expect(
                try await server.client.send(.GET, server.url("/v1/attachments/\(id)"), headers: server.bearer(world.brokerA.token))
                    .status == 404)
            let list = try await server.client.send(
                .GET, server.url("/v1/tickets/\(ticket)/attachments"), headers: server.bearer(world.member.token))
            #expect((try list.json()["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            let subject = try #require(
                (try await server.client.sendJSON(
                    .POST, server.url("/v1/subjects/search"), ["policyNumber": World.contract], headers: server.bearer(world.dpo.token)
                ).json()["subjects"] as? [[String: Any]])?.first?["id"] as? String)
            let export = try await server.client.send(
                .GET, server.url("/v1/subjects/\(subject)/export"), headers: server.bearer(world.dpo.token))
            let exported = try #require(
                ((try export.json()["tickets"] as? [[String: Any]])?.first?["attachments"] as? [[String: Any]])?.first)
            #expect(exported["name"] as? String == "Schaden vorne.jpg")
            #expect((exported["content"] as? String).flatMap { Data(base64Encoded: $0) } == download.body)
            #expect(exported["file"] == nil)
            let zip = try await server.client.send(
                .GET, server.url("/v1/subjects/\(subject)/export?format=zip"), headers: server.bearer(world.dpo.token))
            // The zip: the file itself (byte for byte), then the two documents naming it.
            #expect(zip.status == 200 && zip.header("content-type") == "application/zip")
            let archive = try Archive(data: zip.body, accessMode: .read)
            let zipped = "attachments/\(id)-Schaden vorne.jpg"
            #expect(archive.map(\.path) == [zipped, "export.json", "export.html"])
            func content(_ path: String) throws -> Data {
                var data = Data()
                _ = try archive.extract(try #require(archive[path]), skipCRC32: false) { data.append($0) }
                return data
            }
            #expect(try content(zipped) == download.body)
            let document = try #require(try JSONSerialization.jsonObject(with: try content("export.json")) as? [String: Any])
            let listed = try #require(
                ((document["tickets"] as? [[String: Any]])?.first?["attachments"] as? [[String: Any]])?.first)
            #expect(listed["file"] as? String == zipped && listed["content"] == nil)
            #expect(String(decoding: try content("export.html"), as: UTF8.self).contains(zipped))
        }
    }

    @Test func aPNGLosesTextTimeAndExifChunksAndAPDFItsInformationAndXMPInEveryRevision() async throws {
        try await TestServer.run { server in
            let world = try await World.make(server)
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let number = try await world.referral(by: world.brokerA)
            let ticket = try await world.ticket(by: world.brokerA, kind: "referral", number: number)
            let png = try Self.fixture("damage-photo.png")
            let response = try await upload(server, ticket: ticket, png, type: "image/png", name: "scheibe.png", token: world.brokerA.token)
            #expect(response.status == 201)
            let created = try response.json()
            #expect(Set(created["removedMetadata"] as? [String] ?? []).isSuperset(of: ["text", "datetime", "exif", "xmp", "gps", "camera"]))
            let id = try #require(created["id"] as? String)
            let download = try await server.client.send(
                .GET, server.url("/v1/attachments/\(id)"), headers: server.bearer(world.brokerA.token))
            let after = try await Self.tool("/usr/bin/exiftool", ["-j", "-G", "-a"], input: download.body, in: dir)
            let before = try await Self.tool("/usr/bin/exiftool", ["-j", "-G", "-a"], input: png, in: dir)
            for tag in ["ZEBRA", "GPS", "EXIF:DateTimeOriginal", "PNG:CreationTime", "EXIF:Make", "XMP"] {
                #expect(before.contains(tag), "the original has \(tag)")
                #expect(!after.contains(tag), "\(tag) is gone")
            }
            let pixelsBefore = try await Self.tool("/usr/bin/pngtopnm", [], input: png, in: dir)
            let pixelsAfter = try await Self.tool("/usr/bin/pngtopnm", [], input: download.body, in: dir)
            #expect(pixelsBefore == pixelsAfter && pixelsBefore.count > 100)

            // A PDF updated once: both revisions have document information, the catalog XMP, the
            // page a program's private data (every piece of it says ZEBRA).
            let original = try Self.fixture("claim-form-revised.pdf")
            let pdf = try await upload(
                server, ticket: ticket, original, type: "application/pdf", name: "Formular.pdf", token: world.brokerA.token)
            #expect(pdf.status == 201)
            let stored = try pdf.json()
            #expect(stored["metadataRemoved"] as? Bool == true)
            #expect(stored["removedMetadata"] as? [String] == ["datetime", "other", "text", "xmp"])
            let pdfID = try #require(stored["id"] as? String)
            let rewritten = try await server.client.send(
                .GET, server.url("/v1/attachments/\(pdfID)"), headers: server.bearer(world.brokerA.token))
            #expect(rewritten.body.count == stored["size"] as? Int)
            #expect(String(decoding: original, as: UTF8.self).contains("ZEBRA"))
            #expect(!String(decoding: rewritten.body, as: UTF8.self).contains("ZEBRA"), "no revision keeps any of it")
            #expect(String(decoding: rewritten.body, as: UTF8.self).contains("(Schaden) Tj"), "the page is copied as it was")
            let pdfBefore = try await Self.tool("/usr/bin/exiftool", ["-j", "-G", "-a"], input: original, in: dir)
            let pdfAfter = try await Self.tool("/usr/bin/exiftool", ["-j", "-G", "-a"], input: rewritten.body, in: dir)
            for tag in ["PDF:Author", "PDF:Title", "PDF:ModifyDate", "XMP"] {
                #expect(pdfBefore.contains(tag), "the original has \(tag)")
                #expect(!pdfAfter.contains(tag), "\(tag) is gone")
            }
            #expect(pdfAfter.contains("\"PDF:PageCount\": 1"))
            let written = dir.file("rewritten.pdf")
            try rewritten.body.write(to: URL(fileURLWithPath: written))
            let checked = try await runProcess("/usr/bin/qpdf", ["--check", written])
            #expect(checked.status == 0, "qpdf --check: \(checked.stdout) \(checked.stderr)")

            // A comment on the page keeps what it says, not who wrote it or when.
            let annotated = try Self.fixture("claim-form-annotated.pdf")
            let commented = try await upload(
                server, ticket: ticket, annotated, type: "application/pdf", name: "Kommentiert.pdf", token: world.brokerA.token)
            #expect(commented.status == 201)
            #expect(try commented.json()["removedMetadata"] as? [String] == ["datetime", "text"])
            let commentedID = try #require(try commented.json()["id"] as? String)
            let kept = String(
                decoding: try await server.client.send(
                    .GET, server.url("/v1/attachments/\(commentedID)"), headers: server.bearer(world.brokerA.token)
                ).body, as: UTF8.self)
            let annotatedText = String(decoding: annotated, as: UTF8.self)
            for gone in ["ZEBRA-ANNOT", "Erika Muster", "D:20261101"] {
                #expect(annotatedText.contains(gone) && !kept.contains(gone), "\(gone)")
            }
            #expect(kept.contains("/Annots") && kept.contains("(Kratzer links)") && kept.contains("/Subtype /Text"))
        }
    }

    @Test func badFilesAreRefusedAndNothingIsStored() async throws {
        try await TestServer.run(configure: { $0.attachments.maxBytes = 16 * 1024; $0.attachments.maxPerTicket = 2 }) { server in
            let world = try await World.make(server)
            let ticket = try await world.ticket(by: world.member, kind: "contract", number: World.contract)
            let jpeg = try Self.fixture("damage-photo.jpg")
            let png = try Self.fixture("damage-photo.png")
            let token = world.member.token
            func expectProblem(_ response: CollectedResponse, _ status: Int, _ type: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
                #expect(response.status == status, sourceLocation: sourceLocation)
                #expect(response.header("content-type") == "application/problem+json", sourceLocation: sourceLocation)
                #expect(try response.json()["type"] as? String == "urn:postbox:problem:\(type)", sourceLocation: sourceLocation)
            }

            // Wrong magic bytes: the declared type is not what the bytes are, or no accepted type at all.
            try expectProblem(try await upload(server, ticket: ticket, png, type: "image/jpeg", token: token), 415, "unsupported-media-type")
            try expectProblem(
                try await upload(server, ticket: ticket, Data("GIF89a not accepted".utf8), type: "image/gif", token: token), 415,
                "unsupported-media-type")
            // A truncated JPEG and a PNG whose chunk claims 2 GiB.
            try expectProblem(
                try await upload(server, ticket: ticket, jpeg.prefix(jpeg.count * 2 / 3), type: "image/jpeg", token: token), 422,
                "unreadable-file")
            var huge = Data(png.prefix(33))  // signature and IHDR
            huge += Data([0x7F, 0xFF, 0xFF, 0xF0]) + Data("IDAT".utf8) + Data(repeating: 0, count: 64)
            try expectProblem(try await upload(server, ticket: ticket, huge, type: "image/png", token: token), 422, "unreadable-file")
            let truncatedPDF = try Self.fixture("claim-form.pdf").prefix(200)
            try expectProblem(try await upload(server, ticket: ticket, truncatedPDF, type: "application/pdf", token: token), 422, "unreadable-file")
            // No objects at all between the header and the end mark; and one protected by a password.
            let hollow = Data("%PDF-1.4\nnothing here\n%%EOF\n".utf8)
            try expectProblem(try await upload(server, ticket: ticket, hollow, type: "application/pdf", token: token), 422, "unreadable-file")
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let (plain, locked) = (dir.file("plain.pdf"), dir.file("locked.pdf"))
            try (try Self.fixture("claim-form.pdf")).write(to: URL(fileURLWithPath: plain))
            let encrypted = try await runProcess("/usr/bin/qpdf", ["--encrypt", "secret", "owner", "256", "--", plain, locked])
            #expect(encrypted.status == 0, "\(encrypted.stderr)")
            let protected = try await upload(
                server, ticket: ticket, try Data(contentsOf: URL(fileURLWithPath: locked)), type: "application/pdf", token: token)
            try expectProblem(protected, 422, "unreadable-file")
            #expect(try protected.json()["detail"] as? String == "the PDF is protected by a password; send it without one")

            // Over the size limit, announced or streamed without a length.
            let big = Data(repeating: 0xAB, count: 20 * 1024)
            try expectProblem(try await upload(server, ticket: ticket, jpeg + big, type: "image/jpeg", token: token), 413, "payload-too-large")
            var request = HTTPClientRequest(url: server.url("/v1/tickets/\(ticket)/attachments"))
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Content-Type", value: "image/jpeg")
            let pieces = stride(from: 0, to: 40, by: 1).map { _ in ByteBuffer(bytes: [UInt8](repeating: 0xFF, count: 1024)) }
            request.body = .stream(pieces.async, length: .unknown)
            let streamed = try await server.client.execute(request, timeout: .seconds(30))
            #expect(streamed.status.code == 413)

            let none = try await server.client.send(
                .GET, server.url("/v1/tickets/\(ticket)/attachments"), headers: server.bearer(token))
            #expect((try none.json()["items"] as? [Any])?.isEmpty == true, "nothing was stored")
            let chunks = try await testDatabase(server.config.databasePath).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attachment_chunks")
            }
            #expect(chunks == 0)

            // The per-ticket limit.
            #expect(try await upload(server, ticket: ticket, jpeg, type: "image/jpeg", token: token).status == 201)
            #expect(try await upload(server, ticket: ticket, png, type: "image/png", token: token).status == 201)
            try expectProblem(try await upload(server, ticket: ticket, png, type: "image/png", token: token), 409, "conflict")
        }
    }
}

extension Array where Element == ByteBuffer {
    /// The buffers as an async sequence (for streamed request bodies).
    var async: AsyncStream<ByteBuffer> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
