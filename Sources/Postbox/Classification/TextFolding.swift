/// The folded form of a text that lexicon patterns are matched against, with the way back to
/// the original: lower case ASCII letters and digits, `ä→ae ö→oe ü→ue ß→ss`, other accents
/// dropped, doubled letters written once, and every run of anything else as one space.
///
/// One pass over the text's scalars builds the folded bytes, the map back, the tokens and
/// the sentences (this is the classifier's hot path).
struct FoldedText {
    /// Folded bytes: `a-z`, `0-9` and `0x20`.
    private(set) var bytes: [UInt8] = []
    /// For each token, the offset of the original scalar its first byte came from.
    private(set) var tokenOrigin: [Int32] = []
    /// For each token, the offset just after the last original scalar its last byte stands for.
    private(set) var tokenOriginEnd: [Int32] = []
    /// Tokens as half-open byte ranges.
    private(set) var tokens: [Range<Int>] = []
    /// For each folded byte inside a token, the token's index (-1 on spaces).
    private(set) var tokenIndex: [Int32] = []
    /// For each token, the index of its sentence.
    private(set) var sentenceOfToken: [Int32] = []
    /// For each sentence, whether it ends with a question mark.
    private(set) var sentenceIsQuestion: [Bool] = [false]
    /// The original text.
    let text: String

    static let space: UInt8 = 0x20

    init(_ text: String) {
        self.text = text
        var text = text
        // Every scalar folds to at most as many bytes as its UTF-8 form (ä: 2 → "ae").
        let capacity = text.utf8.count + 1
        // A token takes at least one byte and a separator.
        let tokenCapacity = capacity / 2 + 1
        var tokens: [Range<Int>] = []
        var sentenceOfToken: [Int32] = []
        var sentenceIsQuestion = [false]
        var tokenOrigin: [Int32] = []
        var tokenOriginEnd: [Int32] = []
        var tokenIndex: [Int32] = []
        // The per-byte and per-token arrays are written in place, uninitialised until written;
        // locals inside the closures avoid dynamic exclusivity checks. The way back to the
        // original is kept per token (every use starts or ends at a token's edge), not per byte.
        bytes = [UInt8](unsafeUninitializedCapacity: capacity) { out, outCount in
            tokenIndex = [Int32](unsafeUninitializedCapacity: capacity) { tokenOf, tokenOfCount in
                tokens = [Range<Int>](unsafeUninitializedCapacity: tokenCapacity) { tokens, tokensCount in
                    sentenceOfToken = [Int32](unsafeUninitializedCapacity: tokenCapacity) { sentences, sentencesCount in
                        tokenOrigin = [Int32](unsafeUninitializedCapacity: tokenCapacity) { from, fromCount in
                            tokenOriginEnd = [Int32](unsafeUninitializedCapacity: tokenCapacity) { to, toCount in
                                let (count, tokenCount) = text.withUTF8 { utf8 in
                                    Self.fold(
                                        utf8, out: out, tokenOf: tokenOf, tokens: tokens, tokenFrom: from, tokenTo: to,
                                        sentenceOfToken: sentences, sentenceIsQuestion: &sentenceIsQuestion)
                                }
                                tokenOfCount = count
                                toCount = tokenCount
                            }
                            fromCount = tokenOriginEnd.count
                        }
                        sentencesCount = tokenOriginEnd.count
                    }
                    tokensCount = tokenOriginEnd.count
                }
            }
            outCount = tokenIndex.count
        }
        self.tokenOrigin = tokenOrigin
        self.tokenOriginEnd = tokenOriginEnd
        self.tokenIndex = tokenIndex
        self.tokens = tokens
        self.sentenceOfToken = sentenceOfToken
        self.sentenceIsQuestion = sentenceIsQuestion
    }

    /// The folding pass: reads the UTF-8 (valid, as every Swift string's) scalar by scalar and
    /// writes the folded bytes with their maps; returns how many bytes and tokens it wrote.
    private static func fold(
        _ utf8: UnsafeBufferPointer<UInt8>, out: UnsafeMutableBufferPointer<UInt8>,
        tokenOf: UnsafeMutableBufferPointer<Int32>, tokens: UnsafeMutableBufferPointer<Range<Int>>,
        tokenFrom: UnsafeMutableBufferPointer<Int32>, tokenTo: UnsafeMutableBufferPointer<Int32>,
        sentenceOfToken: UnsafeMutableBufferPointer<Int32>, sentenceIsQuestion: inout [Bool]
    ) -> (bytes: Int, tokens: Int) {
        var count = 0
        var tokenCount = 0
        // Just after the last scalar that gave the open token a letter.
        var letterEnd: Int32 = 0
        var sentence: Int32 = 0
        var index: Int32 = 0
        var tokenStart = -1
        var pendingBreak = false
        var question = false
        var position = 0
        let length = utf8.count
        let asciiFold = Self.asciiTable
        while position < length {
            // The letters this scalar folds to (0, 1 or 2), or a separator.
            let lead = utf8[position]
            var first: UInt8 = 0
            var second: UInt8 = 0
            if lead < 0x80 {
                position &+= 1
                let folded = asciiFold[Int(lead)]
                if folded < Self.breakMark {
                    first = folded
                } else if folded != Self.otherMark {
                    pendingBreak = true
                    if folded == Self.questionMark { question = true }
                }
            } else {
                var value: UInt32
                if lead < 0xE0 {
                    value = UInt32(lead & 0x1F) << 6 | UInt32(utf8[position &+ 1] & 0x3F)
                    position &+= 2
                } else if lead < 0xF0 {
                    value = UInt32(lead & 0x0F) << 12 | UInt32(utf8[position &+ 1] & 0x3F) << 6
                        | UInt32(utf8[position &+ 2] & 0x3F)
                    position &+= 3
                } else {
                    value = UInt32(lead & 0x07) << 18 | UInt32(utf8[position &+ 1] & 0x3F) << 12
                        | UInt32(utf8[position &+ 2] & 0x3F) << 6 | UInt32(utf8[position &+ 3] & 0x3F)
                    position &+= 4
                }
                switch Self.fold(value) {
                case .none: break
                case .one(let b): first = b
                case .two(let a, let b):
                    first = a
                    second = b
                }
            }
            if first == 0 {
                if tokenStart >= 0 {
                    tokens[tokenCount] = tokenStart..<count
                    tokenTo[tokenCount] = letterEnd
                    tokenCount &+= 1
                    tokenStart = -1
                    out[count] = Self.space
                    tokenOf[count] = -1
                    count &+= 1
                }
            } else {
                letterEnd = index &+ 1
                var letter = first
                while letter != 0 {
                    if tokenStart < 0 {
                        // A sentence break seen since the last token starts a new sentence.
                        if pendingBreak {
                            if question { sentenceIsQuestion[Int(sentence)] = true }
                            if tokenCount > 0 {
                                sentenceIsQuestion.append(false)
                                sentence &+= 1
                            }
                            pendingBreak = false
                            question = false
                        }
                        tokenStart = count
                        sentenceOfToken[tokenCount] = sentence
                        tokenFrom[tokenCount] = index
                        out[count] = letter
                        tokenOf[count] = Int32(truncatingIfNeeded: tokenCount)
                        count &+= 1
                    } else if letter >= 0x61, out[count &- 1] == letter {
                        // Doubled letters are written once ("opperiert" and "operiert" fold alike).
                    } else {
                        out[count] = letter
                        tokenOf[count] = Int32(truncatingIfNeeded: tokenCount)
                        count &+= 1
                    }
                    letter = second
                    second = 0
                }
            }
            index &+= 1
        }
        if question { sentenceIsQuestion[Int(sentence)] = true }
        if tokenStart >= 0 {
            tokens[tokenCount] = tokenStart..<count
            tokenTo[tokenCount] = letterEnd
            tokenCount &+= 1
        } else if count > 0, out[count &- 1] == Self.space {
            count &-= 1
        }
        return (count, tokenCount)
    }

    /// What each ASCII byte folds to: a lower-case letter or digit, or one of the marks below.
    static let breakMark: UInt8 = 0xFD
    static let questionMark: UInt8 = 0xFE
    static let otherMark: UInt8 = 0xFF
    /// Allocated once and never freed or written after, so reading it from any thread is safe.
    private nonisolated(unsafe) static let asciiTable: UnsafeBufferPointer<UInt8> = {
        let table = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 128)
        for b in 0..<128 {
            table[b] =
                switch b {
                case 0x41...0x5A: UInt8(b + 0x20)
                case 0x61...0x7A, 0x30...0x39: UInt8(b)
                case 0x2E, 0x21, 0x3B, 0x0A: breakMark
                case 0x3F: questionMark
                default: otherMark
                }
        }
        return UnsafeBufferPointer(table)
    }()

    enum Folded {
        case none
        case one(UInt8)
        case two(UInt8, UInt8)
    }

    /// Folds one non-ASCII scalar (its value).
    static func fold(_ value: UInt32) -> Folded {
        switch value {
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

    /// The original scalar range of tokens `first...last`.
    func originalRange(tokens first: Int, _ last: Int) -> Range<Int> {
        Int(tokenOrigin[first])..<Int(tokenOriginEnd[last])
    }

    /// The offset of the original scalar token `token` starts with.
    func originalStart(token: Int) -> Int { Int(tokenOrigin[token]) }
}

/// The original text by Unicode scalar offset, for what only a hit needs (case checks, the
/// matched text). One pass over the UTF-8 records where each scalar starts, the first time a
/// hit asks; the scalars themselves are decoded from the UTF-8 where they are needed.
struct OriginalScalars {
    /// UTF-8 offset of each scalar, then the UTF-8 length.
    private var starts: [Int32] = []
    private var utf8: [UInt8] = []
    let text: String

    init(_ text: String) { self.text = text }

    private mutating func prepare() {
        guard starts.isEmpty else { return }
        utf8 = Array(text.utf8)
        // Every offset is written and the count moves on only at a scalar's first byte (not a
        // continuation byte `10xxxxxx`): no branch per byte.
        starts = utf8.withUnsafeBufferPointer { utf8 in
            [Int32](unsafeUninitializedCapacity: utf8.count + 1) { starts, initialized in
                var count = 0
                for offset in utf8.indices {
                    starts[count] = Int32(truncatingIfNeeded: offset)
                    count &+= utf8[offset] & 0xC0 != 0x80 ? 1 : 0
                }
                starts[count] = Int32(truncatingIfNeeded: utf8.count)
                initialized = count &+ 1
            }
        }
    }

    /// The scalar at scalar offset `index`.
    mutating func scalar(_ index: Int) -> Unicode.Scalar {
        prepare()
        var bytes = utf8[Int(starts[index])..<Int(starts[index + 1])].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let scalar) = decoder.decode(&bytes) { return scalar }
        return "\u{FFFD}"
    }

    /// Whether every scalar in `range` satisfies `predicate`.
    mutating func allScalars(_ range: Range<Int>, _ predicate: (Unicode.Scalar) -> Bool) -> Bool {
        range.allSatisfy { predicate(scalar($0)) }
    }

    /// The original text of scalars `range`.
    mutating func string(_ range: Range<Int>) -> String {
        prepare()
        return String(decoding: utf8[Int(starts[range.lowerBound])..<Int(starts[range.upperBound])], as: UTF8.self)
    }
}
