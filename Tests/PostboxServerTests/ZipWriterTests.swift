import Foundation
import PostboxTestSupport
import Testing
import ZIPFoundation

@testable import PostboxServer

/// The zip the export streams, read back by independent readers: Python's `zipfile` (checks
/// every CRC and the ZIP64 records strictly), Info-ZIP `unzip` (tests every entry, extracts
/// with the stored Unix mode) and ZIPFoundation.
@Suite struct ZipWriterTests {
    static let modified = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18 11:06:40 UTC

    /// Entries of every kind: stored binary, deflated text, an empty file, a UTF-8 name in a folder.
    static let entries: [(name: String, bytes: [UInt8], method: ZipWriter.Method)] = {
        var random = SystemRandomNumberGenerator()
        let binary = (0..<150_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        let text = Array(String(repeating: "Sehr geehrte Frau Muster, anbei die Unterlagen. ", count: 4_000).utf8)
        return [
            ("attachments/0001-Schaden vorne äöü.jpg", binary, .stored),
            ("export.json", text, .deflated),
            ("empty.txt", [], .stored),
            ("export.html", Array("<!doctype html><p>ß</p>".utf8), .deflated),
        ]
    }()

    static func archive(alwaysZip64: Bool) throws -> [UInt8] {
        var writer = ZipWriter(modified: modified, alwaysZip64: alwaysZip64)
        var out: [UInt8] = []
        for entry in entries {
            switch entry.method {
            case .stored:
                out += try writer.header(
                    name: entry.name, method: .stored, crc: ZipWriter.crc32(entry.bytes), compressedSize: entry.bytes.count,
                    size: entry.bytes.count)
                out += entry.bytes
            case .deflated:
                let (data, crc) = try ZipWriter.deflate(entry.bytes)
                out += try writer.header(
                    name: entry.name, method: .deflated, crc: crc, compressedSize: data.count, size: entry.bytes.count)
                out += data
            }
        }
        #expect(writer.offset == UInt64(out.count))
        out += writer.finish()
        #expect(writer.offset == UInt64(out.count), "the writer counts every byte it hands out")
        return out
    }

    static let pythonCheck = """
        import sys, zipfile
        with zipfile.ZipFile(sys.argv[1]) as z:
            bad = z.testzip()
            assert bad is None, "bad CRC in " + bad
            for i in z.infolist():
                print(i.filename, i.file_size, i.compress_type, "%04d-%02d-%02dT%02d:%02d:%02d" % i.date_time, oct(i.external_attr >> 16))
        """

    @Test(arguments: [false, true])
    func readersReadEveryEntryBackAsItWasWritten(alwaysZip64: Bool) async throws {
        let dir = try TemporaryDirectory(prefix: "postbox-zip")
        defer { dir.remove() }
        let path = dir.file("export.zip")
        let bytes = try Self.archive(alwaysZip64: alwaysZip64)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        // ZIP64 records appear only when asked for (or needed).
        let hasZip64End = Data(bytes.suffix(120)).range(of: Data([0x50, 0x4B, 0x06, 0x06])) != nil
        #expect(hasZip64End == alwaysZip64)

        // ZIPFoundation: names, contents, CRCs (extract checks them). Only the classic form:
        // ZIPFoundation takes a ZIP64 offset of 0 (the first entry's, which only the forced
        // form writes) for "absent" and reads at 0xFFFFFFFF; real ZIP64 offsets are ≥ 4 GiB.
        if !alwaysZip64 {
            let archive = try Archive(data: Data(bytes), accessMode: .read)
            #expect(archive.map(\.path) == Self.entries.map(\.name))
            for entry in Self.entries {
                let found = try #require(archive[entry.name])
                var content = Data()
                _ = try archive.extract(found, skipCRC32: false) { content.append($0) }
                // Compared first: a failed expectation on 150 kB would have the test library diff them.
                let same = content == Data(entry.bytes)
                #expect(same, "\(entry.name): \(content.count) bytes read, \(entry.bytes.count) written")
            }
        }

        // Python: every CRC, the ZIP64 end records, the time (UTC) and the mode.
        let python = try await runProcess("/usr/bin/env", ["python3", "-c", Self.pythonCheck, path])
        #expect(python.status == 0, "\(python.stderr)")
        #expect(
            python.stdout.split(separator: "\n").map(String.init) == [
                "attachments/0001-Schaden vorne äöü.jpg 150000 0 2026-11-18T11:06:40 0o100600",
                "export.json \(Self.entries[1].bytes.count) 8 2026-11-18T11:06:40 0o100600",
                "empty.txt 0 0 2026-11-18T11:06:40 0o100600",
                "export.html \(Self.entries[3].bytes.count) 8 2026-11-18T11:06:40 0o100600",
            ])

        // Info-ZIP: tests the archive, extracts the files readable by their owner only.
        let tested = try await runProcess("/usr/bin/unzip", ["-tq", path])
        #expect(tested.status == 0, "\(tested.stdout) \(tested.stderr)")
        let extracted = try await runProcess("/usr/bin/unzip", ["-q", path, "-d", dir.file("out")])
        #expect(extracted.status == 0, "\(extracted.stdout) \(extracted.stderr)")
        let file = dir.file("out/attachments/0001-Schaden vorne äöü.jpg")
        let extractedSame = FileManager.default.contents(atPath: file) == Data(Self.entries[0].bytes)
        #expect(extractedSame)
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test(arguments: ["../etc/passwd", "/etc/passwd", "a//b", "a/../b", "a\\b", "", String(repeating: "n", count: 70_000)])
    func namesThatWouldLeaveTheFolderOrOverflowTheirFieldAreRefused(name: String) throws {
        var writer = ZipWriter(modified: Self.modified)
        #expect(throws: ZipWriter.Refused.self) {
            try writer.header(name: name, method: .stored, crc: 0, compressedSize: 0, size: 0)
        }
        #expect(writer.offset == 0, "nothing is written for a refused entry")
    }
}
