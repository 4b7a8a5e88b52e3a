import Foundation
import Postbox
import Testing

@Suite("Secretstream chunks and metadata stripping")
struct AttachmentCoreTests {
    @Test func chunksOpenInOrderAndAlteredReorderedOrCutStreamsFail() throws {
        let key = SecretKey.random()
        var writer = SecretStream.Writer(key: key)
        let chunks = [[UInt8](repeating: 1, count: 100), [UInt8](repeating: 2, count: 50), [UInt8](repeating: 3, count: 7)]
        let sealed = chunks.enumerated().map { writer.seal($1, final: $0 == chunks.count - 1) }

        var reader = try SecretStream.Reader(key: key, header: writer.header)
        #expect(try sealed.map { try reader.open($0) } == chunks)
        #expect(reader.finished)

        var reordered = try SecretStream.Reader(key: key, header: writer.header)
        #expect(throws: CryptoError.decryptionFailed) { try reordered.open(sealed[1]) }

        var altered = try SecretStream.Reader(key: key, header: writer.header)
        var bad = sealed[0]
        bad[5] ^= 1
        #expect(throws: CryptoError.decryptionFailed) { try altered.open(bad) }

        var cut = try SecretStream.Reader(key: key, header: writer.header)
        _ = try cut.open(sealed[0])
        _ = try cut.open(sealed[1])
        #expect(!cut.finished, "without the final chunk the stream is known to be incomplete")

        var wrongKey = try SecretStream.Reader(key: .random(), header: writer.header)
        #expect(throws: CryptoError.decryptionFailed) { try wrongKey.open(sealed[0]) }
        let other = try SecretStream.attachmentKey(key, attachmentID: "b")
        var otherAttachment = try SecretStream.Reader(key: other, header: writer.header)
        #expect(throws: CryptoError.decryptionFailed) { try otherAttachment.open(sealed[0]) }
    }

    /// A PNG chunk: length, type, data, CRC (computed with zlib's definition via the file's own check).
    static func chunk(_ type: String, _ data: [UInt8], crc: UInt32? = nil) -> [UInt8] {
        var table = [UInt32](repeating: 0, count: 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            table[n] = c
        }
        var c: UInt32 = 0xFFFF_FFFF
        for byte in Array(type.utf8) + data { c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        let value = crc ?? (c ^ 0xFFFF_FFFF)
        let be = { (v: UInt32) in [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        return be(UInt32(data.count)) + Array(type.utf8) + data + be(value)
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    static let header = chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0])

    @Test func pngTextChunksGoImageChunksStayByteForByte() throws {
        let data = Self.chunk("IDAT", [0x78, 0x9C, 0x63, 0x60, 0x60, 0x60, 0, 0, 0, 4, 0, 1])
        let file = Self.signature + Self.header + Self.chunk("tEXt", Array("Comment\0secret".utf8))
            + Self.chunk("tIME", [7, 234, 11, 20, 14, 33, 12]) + data + Self.chunk("IEND", [])
        let stripped = try MetadataStripper.strip(file, as: .png)
        #expect(stripped.removed == ["datetime", "text"])
        #expect(stripped.bytes(of: file) == Self.signature + Self.header + data + Self.chunk("IEND", []))
    }

    @Test func brokenPNGsAreRefused() {
        let badCRC = Self.signature + Self.header + Self.chunk("IDAT", [1, 2, 3], crc: 0) + Self.chunk("IEND", [])
        #expect(throws: UnreadableFile.self) { try MetadataStripper.strip(badCRC, as: .png) }
        let noEnd = Self.signature + Self.header
        #expect(throws: UnreadableFile.self) { try MetadataStripper.strip(noEnd, as: .png) }
        let headerNotFirst = Self.signature + Self.chunk("IEND", [])
        #expect(throws: UnreadableFile.self) { try MetadataStripper.strip(headerNotFirst, as: .png) }
    }

    @Test func typesAreDecidedByTheirBytes() {
        #expect(AttachmentType.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(AttachmentType.sniff(Self.signature) == .png)
        #expect(AttachmentType.sniff(Array("%PDF-1.7".utf8)) == .pdf)
        #expect(AttachmentType.sniff(Array("GIF89a".utf8)) == nil)
        #expect(AttachmentType.sniff([]) == nil)
    }
}
