/// The folded form of a text that lexicon patterns are matched against, with the way back to
/// the original: lower case ASCII letters and digits, `ä→ae ö→oe ü→ue ß→ss`, other accents
/// dropped, doubled letters written once, and every run of anything else as one space.
struct FoldedText {
    /// Folded bytes: `a-z`, `0-9` and `0x20`.
    var bytes: [UInt8] = []
    /// For each folded byte, the offset of the original scalar it came from.
    var origin: [Int32] = []
    /// For each folded byte, the offset just after the last original scalar it stands for.
    var originEnd: [Int32] = []
    /// Tokens as half-open byte ranges.
    var tokens: [Range<Int>] = []
    /// For each folded byte inside a token, the token's index (-1 on spaces).
    var tokenIndex: [Int32] = []
    /// The original text's scalars.
    var scalars: [Unicode.Scalar] = []
    /// For each token, the index of its sentence.
    var sentenceOfToken: [Int32] = []
    /// For each sentence, whether it ends with a question mark.
    var sentenceIsQuestion: [Bool] = []

    static let space: UInt8 = 0x20

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
        bytes.reserveCapacity(scalars.count + 8)
        origin.reserveCapacity(scalars.count + 8)
        originEnd.reserveCapacity(scalars.count + 8)
        for (index, scalar) in scalars.enumerated() {
            let i = Int32(index)
            switch Self.fold(scalar) {
            case .none:
                if let last = bytes.last, last != Self.space { append(Self.space, i) }
            case .one(let b): appendLetter(b, i)
            case .two(let a, let b):
                appendLetter(a, i)
                appendLetter(b, i)
            }
        }
        if bytes.last == Self.space {
            bytes.removeLast()
            origin.removeLast()
            originEnd.removeLast()
        }
        tokenIndex = [Int32](repeating: -1, count: bytes.count)
        var start: Int? = nil
        for (i, b) in bytes.enumerated() {
            if b == Self.space {
                if let s = start { tokens.append(s..<i) }
                start = nil
            } else {
                if start == nil { start = i }
                tokenIndex[i] = Int32(tokens.count)
            }
        }
        if let s = start { tokens.append(s..<bytes.count) }
        segmentSentences()
    }

    /// Sentences end at `.`, `!`, `?`, `;` or a line break in the original text.
    private mutating func segmentSentences() {
        sentenceOfToken = [Int32](repeating: 0, count: tokens.count)
        sentenceIsQuestion = [false]
        var token = 0
        var sentence: Int32 = 0
        var pendingBreak = false
        var question = false
        for (index, scalar) in scalars.enumerated() {
            while token < tokens.count, Int(origin[tokens[token].lowerBound]) < index { token += 1 }
            switch scalar {
            case ".", "!", "?", ";", "\n":
                pendingBreak = true
                if scalar == "?" { question = true }
            default:
                if pendingBreak, token < tokens.count, Int(origin[tokens[token].lowerBound]) == index {
                    sentenceIsQuestion[Int(sentence)] = question
                    sentence += 1
                    sentenceIsQuestion.append(false)
                    for t in token..<tokens.count { sentenceOfToken[t] = sentence }
                    pendingBreak = false
                    question = false
                }
            }
        }
        sentenceIsQuestion[Int(sentence)] = question || sentenceIsQuestion[Int(sentence)]
    }

    private mutating func append(_ b: UInt8, _ i: Int32) {
        bytes.append(b)
        origin.append(i)
        originEnd.append(i + 1)
    }

    private mutating func appendLetter(_ b: UInt8, _ i: Int32) {
        // Doubled letters are written once ("opperiert" and "operiert" fold alike).
        if let last = bytes.last, last == b, b >= 0x61 {
            originEnd[originEnd.count - 1] = i + 1
            return
        }
        append(b, i)
    }

    enum Folded {
        case none
        case one(UInt8)
        case two(UInt8, UInt8)
    }

    /// Folds one scalar.
    static func fold(_ s: Unicode.Scalar) -> Folded {
        let v = s.value
        switch v {
        case 0x61...0x7A, 0x30...0x39: return .one(UInt8(v))
        case 0x41...0x5A: return .one(UInt8(v + 0x20))
        case 0xE4, 0xC4: return .two(0x61, 0x65)  // ä
        case 0xF6, 0xD6: return .two(0x6F, 0x65)  // ö
        case 0xFC, 0xDC: return .two(0x75, 0x65)  // ü
        case 0xDF, 0x1E9E: return .two(0x73, 0x73)  // ß
        case 0xE6, 0xC6: return .two(0x61, 0x65)  // æ
        case 0x153, 0x152: return .two(0x6F, 0x65)  // œ
        case 0xE0...0xE3, 0xE5, 0xC0...0xC3, 0xC5, 0x101, 0x103, 0x105: return .one(0x61)
        case 0xE7, 0xC7, 0x107, 0x10D: return .one(0x63)
        case 0xE8...0xEB, 0xC8...0xCB, 0x113, 0x117, 0x119, 0x11B: return .one(0x65)
        case 0xEC...0xEF, 0xCC...0xCF, 0x131, 0x12B: return .one(0x69)
        case 0xF1, 0xD1, 0x144, 0x148: return .one(0x6E)
        case 0xF2...0xF5, 0xF8, 0xD2...0xD5, 0xD8, 0x14D, 0x151: return .one(0x6F)
        case 0xF9...0xFB, 0xD9...0xDB, 0x16B, 0x16F, 0x171: return .one(0x75)
        case 0xFD, 0xFF, 0xDD: return .one(0x79)
        case 0x15F, 0x161, 0x15B, 0x15E, 0x160: return .one(0x73)
        case 0x11F, 0x11E: return .one(0x67)
        case 0x142, 0x141: return .one(0x6C)
        case 0x17E, 0x17C, 0x17A, 0x17D: return .one(0x7A)
        case 0x159: return .one(0x72)
        default: return .none
        }
    }

    /// Folds a lexicon pattern the same way as text.
    static func foldPattern(_ pattern: String) -> [UInt8] {
        FoldedText(pattern).bytes
    }

    /// The original text of scalars `range`.
    func original(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[range])
        return String(view)
    }

    /// The original scalar range of tokens `first...last`.
    func originalRange(tokens first: Int, _ last: Int) -> Range<Int> {
        Int(origin[tokens[first].lowerBound])..<Int(originEnd[tokens[last].upperBound - 1])
    }
}
