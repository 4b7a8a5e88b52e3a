/// The folded form of a text that lexicon patterns are matched against, with the way back to
/// the original: lower case ASCII letters and digits, `ä→ae ö→oe ü→ue ß→ss`, other accents
/// dropped, doubled letters written once, and every run of anything else as one space.
///
/// One pass over the text's scalars builds the folded bytes, the map back, the tokens and
/// the sentences (this is the classifier's hot path).
struct FoldedText {
    /// Folded bytes: `a-z`, `0-9` and `0x20`.
    private(set) var bytes: [UInt8] = []
    /// For each folded byte, the offset of the original scalar it came from.
    private(set) var origin: [Int32] = []
    /// For each folded byte, the offset just after the last original scalar it stands for.
    private(set) var originEnd: [Int32] = []
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
        // Every scalar folds to at most as many bytes as its UTF-8 form (ä: 2 → "ae").
        let capacity = text.utf8.count + 1
        var out = [UInt8](repeating: 0, count: capacity)
        var from = [Int32](repeating: 0, count: capacity)
        var to = [Int32](repeating: 0, count: capacity)
        var tokenOf = [Int32](repeating: -1, count: capacity)
        // Locals inside the closures (not captured from outside) avoid dynamic exclusivity checks.
        let (count, tokens, sentenceOfToken, sentenceIsQuestion) = out.withUnsafeMutableBufferPointer { out in
            from.withUnsafeMutableBufferPointer { from in
                to.withUnsafeMutableBufferPointer { to in
                    tokenOf.withUnsafeMutableBufferPointer { tokenOf in
                        var count = 0
                        var tokens: [Range<Int>] = []
                        tokens.reserveCapacity(capacity / 4)
                        var sentenceOfToken: [Int32] = []
                        sentenceOfToken.reserveCapacity(capacity / 4)
                        var sentenceIsQuestion = [false]
                        var index: Int32 = 0
                        var tokenStart = -1
                        var pendingBreak = false
                        var question = false
                        for scalar in text.unicodeScalars {
                            // The letters this scalar folds to (0, 1 or 2), or a separator.
                            let v = scalar.value
                            var first: UInt8 = 0
                            var second: UInt8 = 0
                            if v < 0x80 {
                                var b = UInt8(truncatingIfNeeded: v)
                                if b >= 0x41 && b <= 0x5A { b &+= 0x20 }
                                if (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) {
                                    first = b
                                } else if b == 0x2E || b == 0x21 || b == 0x3B || b == 0x0A {
                                    pendingBreak = true
                                } else if b == 0x3F {
                                    pendingBreak = true
                                    question = true
                                }
                            } else {
                                switch Self.fold(scalar) {
                                case .none: break
                                case .one(let b): first = b
                                case .two(let a, let b):
                                    first = a
                                    second = b
                                }
                            }
                            if first == 0 {
                                if tokenStart >= 0 {
                                    tokens.append(tokenStart..<count)
                                    tokenStart = -1
                                    out[count] = Self.space
                                    from[count] = index
                                    to[count] = index &+ 1
                                    tokenOf[count] = -1
                                    count &+= 1
                                }
                            } else {
                                var letter = first
                                while letter != 0 {
                                    if tokenStart < 0 {
                                        // A sentence break seen since the last token starts a new sentence.
                                        if pendingBreak {
                                            if question { sentenceIsQuestion[sentenceIsQuestion.count &- 1] = true }
                                            if !tokens.isEmpty { sentenceIsQuestion.append(false) }
                                            pendingBreak = false
                                            question = false
                                        }
                                        tokenStart = count
                                        sentenceOfToken.append(Int32(sentenceIsQuestion.count &- 1))
                                        out[count] = letter
                                        from[count] = index
                                        to[count] = index &+ 1
                                        tokenOf[count] = Int32(tokens.count)
                                        count &+= 1
                                    } else if letter >= 0x61, out[count &- 1] == letter {
                                        // Doubled letters are written once ("opperiert" and "operiert" fold alike).
                                        to[count &- 1] = index &+ 1
                                    } else {
                                        out[count] = letter
                                        from[count] = index
                                        to[count] = index &+ 1
                                        tokenOf[count] = Int32(tokens.count)
                                        count &+= 1
                                    }
                                    letter = second
                                    second = 0
                                }
                            }
                            index &+= 1
                        }
                        if question { sentenceIsQuestion[sentenceIsQuestion.count &- 1] = true }
                        if tokenStart >= 0 {
                            tokens.append(tokenStart..<count)
                        } else if count > 0, out[count &- 1] == Self.space {
                            count &-= 1
                        }
                        return (count, tokens, sentenceOfToken, sentenceIsQuestion)
                    }
                }
            }
        }
        out.removeSubrange(count...)
        from.removeSubrange(count...)
        to.removeSubrange(count...)
        tokenOf.removeSubrange(count...)
        self.bytes = out
        self.origin = from
        self.originEnd = to
        self.tokenIndex = tokenOf
        self.tokens = tokens
        self.sentenceOfToken = sentenceOfToken
        self.sentenceIsQuestion = sentenceIsQuestion
    }

    enum Folded {
        case none
        case one(UInt8)
        case two(UInt8, UInt8)
    }

    /// Folds one non-ASCII scalar.
    static func fold(_ s: Unicode.Scalar) -> Folded {
        switch s.value {
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
        Int(origin[tokens[first].lowerBound])..<Int(originEnd[tokens[last].upperBound - 1])
    }
}

/// The original text's scalars, decoded once and only when a hit needs them.
struct OriginalScalars {
    private var scalars: [Unicode.Scalar]?
    let text: String

    init(_ text: String) { self.text = text }

    mutating func get() -> [Unicode.Scalar] {
        if let scalars { return scalars }
        let decoded = Array(text.unicodeScalars)
        scalars = decoded
        return decoded
    }

    /// The original text of scalars `range`.
    mutating func string(_ range: Range<Int>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: get()[range])
        return String(view)
    }
}
