import Foundation
import Testing

@testable import Postbox

@Suite("JSON writer escaping")
struct JSONWriterTests {
    /// A byte-by-byte escaper, the plain reading of RFC 8259 §7, as the writer's reference.
    func reference(_ text: String) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x0C: out += Array(#"\f"#.utf8)
            case 0..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }

    func written(_ text: String) -> String {
        var json = JSONWriter()
        json.string(text)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// Every character that must be escaped, at every offset of a text several times longer
    /// than the writer's 8-byte stride (so it is met inside a stride, at its edges and in the
    /// tail), written exactly as the reference writes it and read back unchanged.
    @Test func everyEscapedCharacterAtEveryOffset() throws {
        let filler = "lorem ipsum dolor sit amet, Grüße €"  // 36 UTF-8 bytes incl. multi-byte
        let specials: [Character] = ["\"", "\\"] + (0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }
        for special in specials {
            for offset in 0...filler.count {
                var text = filler
                text.insert(special, at: text.index(text.startIndex, offsetBy: offset))
                text += filler  // long enough for two 16-byte strides after the special
                let json = written(text)
                #expect(json == reference(text), "\(special.unicodeScalars.first!.value) at \(offset)")
                let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
                #expect(decoded as? String == text)
            }
        }
    }

    @Test func textWithoutEscapesIsCopiedAsItIs() {
        for length in 0..<70 {
            let text = String(repeating: "aé€", count: length)
            #expect(written(text) == "\"\(text)\"")
        }
    }

    /// The writer makes room once per write and again for each escape: a text of escapes only,
    /// written into the smallest buffer, grows it many times in the middle of the text.
    @Test func growsWhileEscaping() {
        let text = String((0..<3_000).map { i -> Character in
            ["\"", "\\", "\n", "\u{1}", "é", "x"][i % 6]
        })
        var json = JSONWriter(capacity: 1)
        json.beginArray()
        json.string(text)
        json.string(text)
        json.endArray()
        let expected = "[" + reference(text) + "," + reference(text) + "]"
        #expect(String(decoding: json.bytes, as: UTF8.self) == expected)
    }

    @Test func integersAsSwiftPrintsThem() {
        var values = [0, 1, -1, 9, 10, -10, 99, 100, 101, 999_999, 1_000_000]
        values += [Int.max, Int.min, Int.max - 1, Int.min + 1]
        var generator = SystemRandomNumberGenerator()
        values += (0..<200).map { _ in Int.random(in: Int.min...Int.max, using: &generator) >> Int.random(in: 0...63) }
        for value in values {
            var json = JSONWriter()
            json.int(value)
            #expect(String(decoding: json.bytes, as: UTF8.self) == String(value))
        }
    }

    /// A date in the same second as the one before is copied from the text written before; the
    /// copy must be that second's text even after the buffer moved, and other seconds are new.
    @Test func repeatedDatesAreTheEncodersDates() throws {
        let base = 1_795_000_000.0
        let instants = [
            base, base + 0.999, base, base + 1, base + 1.5, base - 0.001, base - 0.001, base + 86_400 * 400, base,
            -0.5, -0.5, 0, 253_402_300_799,  // 1969-12-31T23:59:59Z, the epoch, 9999-12-31T23:59:59Z
        ]
        var json = JSONWriter(capacity: 1)
        json.beginArray()
        for (i, instant) in instants.enumerated() {
            json.date(Date(timeIntervalSince1970: instant))
            json.string(String(repeating: "filler ", count: i * 20))  // the buffer grows between dates
        }
        json.endArray()
        let written = try #require(try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        for (i, instant) in instants.enumerated() {
            let expected = try JSONDecoder().decode(
                String.self, from: encoder.encode(Date(timeIntervalSince1970: instant)))
            #expect(written[2 * i] == expected, "date \(i)")
        }
    }
}
