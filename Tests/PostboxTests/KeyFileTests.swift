import Foundation
import PostboxTestSupport
import Testing

@testable import Postbox

@Suite("Master key file")
struct KeyFileTests {
    @Test func writesWithMode0600AndLoadsBack() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("master.key")
        let ring = try KeyRing(entries: [.init(id: "mk-a", key: .random(), createdAt: "2026-11-22T00:00:00Z")])
        try KeyFile.write(ring, to: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let loaded = try KeyFile.load(path: path)
        #expect(loaded.active.id == "mk-a")
        #expect(loaded.active.key.exportBytes() == ring.active.key.exportBytes())
    }

    @Test(arguments: [0o640, 0o604, 0o644, 0o666])
    func refusesFilesOthersCanRead(mode: Int) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("master.key")
        try KeyFile.write(try KeyRing(entries: [.init(id: "mk-a", key: .random())]), to: path)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        #expect(throws: KeyFileError.insecurePermissions(path: path, mode: mode)) { try KeyFile.load(path: path) }
    }

    @Test func missingFileIsAnError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        #expect(throws: KeyFileError.missing(path: dir.file("nope"))) {
            try KeyFile.loadKeyRing(path: dir.file("nope"), environment: [:])
        }
    }

    @Test func malformedFileIsAnError() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.file("master.key")
        try SecureFile.writeAtomically(Data(#"{"format":"postbox-keys/1","keys":[{"id":"a","key":"c2hvcnQ="}]}"#.utf8), to: path, mode: 0o600)
        #expect(throws: KeyFileError.malformed(path: path)) { try KeyFile.load(path: path) }
    }

    @Test func environmentTakesPrecedence() throws {
        let k1 = Data(repeating: 1, count: 32).base64EncodedString()
        let k2 = Data(repeating: 2, count: 32).base64EncodedString()
        let ring = try KeyFile.loadKeyRing(
            path: "/nonexistent", environment: [KeyFile.environmentVariable: "mk-new:\(k2),mk-old:\(k1)"])
        #expect(ring.entries.map(\.id) == ["mk-new", "mk-old"])
        #expect(ring.active.key.exportBytes() == [UInt8](repeating: 2, count: 32))
        #expect(throws: KeyFileError.malformed(path: KeyFile.environmentVariable)) {
            try KeyFile.loadKeyRing(path: "/x", environment: [KeyFile.environmentVariable: "only-an-id"])
        }
    }
}
