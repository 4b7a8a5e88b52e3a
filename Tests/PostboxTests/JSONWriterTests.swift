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
}
