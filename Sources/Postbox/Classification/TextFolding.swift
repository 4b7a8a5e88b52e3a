/// The folded form of a text that lexicon patterns are matched against, with the way back to
/// the original: lower case ASCII letters and digits, `ä→ae ö→oe ü→ue ß→ss`, other accents
/// dropped, doubled letters written once, and every run of anything else as one space.
///
/// One pass over the text's scalars builds the folded bytes, the map back, the tokens and
/// the sentences (this is the classifier's hot path); a second, branch-free pass over the
/// folded bytes gives each byte its token.
struct FoldedText {
    /// Folded bytes: `a-z`, `0-9` and `0x20`.
    private(set) var bytes: [UInt8] = []
    /// For each token, where it came from in the original.
    private(set) var origins: [TokenOrigin] = []
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

    /// Where a token came from: from its first original scalar (the one its first byte came
    /// from) to just after the last one its last byte stands for, as scalar offsets (what a
    /// finding reports) and as UTF-8 offsets (to read the original without counting scalars).
    struct TokenOrigin {
        var scalarStart: Int32
        var scalarEnd: Int32
        var utf8Start: Int32
        var utf8End: Int32
    }

    init(_ text: String) {
        var text = text
        // Every scalar folds to at most as many bytes as its UTF-8 form (ä: 2 → "ae").
        let capacity = text.utf8.count + 1
        // A token takes at least one byte and a separator.
        let tokenCapacity = capacity / 2 + 1
        var tokens: [Range<Int>] = []
        var sentenceOfToken: [Int32] = []
        var sentenceIsQuestion = [false]
        var origins: [TokenOrigin] = []
        // The per-byte and per-token arrays are written in place, uninitialised until written;
        // locals inside the closures avoid dynamic exclusivity checks. The way back to the
        // original is kept per token (every use starts or ends at a token's edge), not per byte.
        bytes = [UInt8](unsafeUninitializedCapacity: capacity) { out, outCount in
            tokens = [Range<Int>](unsafeUninitializedCapacity: tokenCapacity) { tokens, tokensCount in
                sentenceOfToken = [Int32](unsafeUninitializedCapacity: tokenCapacity) { sentences, sentencesCount in
                    origins = [TokenOrigin](unsafeUninitializedCapacity: tokenCapacity) { origins, originsCount in
                        let (count, tokenCount) = text.withUTF8 { utf8 in
                            Self.fold(
                                utf8, out: out, tokens: tokens, origins: origins,
                                sentenceOfToken: sentences, sentenceIsQuestion: &sentenceIsQuestion)
                        }
                        outCount = count
                        originsCount = tokenCount
                    }
                    sentencesCount = origins.count
                }
                tokensCount = origins.count
            }
        }
        // Tokens are separated by exactly one space, so a byte's token is the number of spaces
        // before it: one branch-free pass after the fold, which then has a store less per byte.
        let tokenIndex = bytes.withUnsafeBufferPointer { folded in
            [Int32](unsafeUninitializedCapacity: folded.count) { tokenOf, initialized in
                var token: Int32 = 0
                for i in folded.indices {
                    let isSpace: Int32 = folded[i] == Self.space ? 1 : 0
                    tokenOf[i] = token | (0 &- isSpace)
                    token &+= isSpace
                }
                initialized = folded.count
            }
        }
        // `withUTF8` left `text` native UTF-8, so offsets into its UTF-8 view cost nothing.
        self.text = text
        self.origins = origins
        self.tokenIndex = tokenIndex
        self.tokens = tokens
        self.sentenceOfToken = sentenceOfToken
        self.sentenceIsQuestion = sentenceIsQuestion
    }

    /// The folding pass: reads the UTF-8 (valid, as every Swift string's) scalar by scalar and
    /// writes the folded bytes with their maps; returns how many bytes and tokens it wrote.
    private static func fold(
        _ utf8: UnsafeBufferPointer<UInt8>, out: UnsafeMutableBufferPointer<UInt8>,
        tokens: UnsafeMutableBufferPointer<Range<Int>>, origins: UnsafeMutableBufferPointer<TokenOrigin>,
        sentenceOfToken: UnsafeMutableBufferPointer<Int32>, sentenceIsQuestion: inout [Bool]
    ) -> (bytes: Int, tokens: Int) {
        var count = 0
        var tokenCount = 0
        // Just after the last scalar that gave the open token a letter (scalar and UTF-8 offset).
        var letterEnd: Int32 = 0
        var letterEndUTF8 = 0
        var sentence: Int32 = 0
        var index: Int32 = 0
        var tokenStart = -1
        var pendingBreak = false
        var question = false
        var position = 0
        let length = utf8.count
        let asciiFold = Self.asciiTable

        // The open token's last letter, kept in a register instead of read back from `out`.
        var previous: UInt8 = 0

        /// Writes `letter`, the open token's next byte. Doubled letters are written once
        /// ("opperiert" and "operiert" fold alike): the byte is written either way and kept only
        /// if it does not repeat the one before, without a branch (repeats are not predictable).
        @inline(__always) func append(_ letter: UInt8) {
            let repeated = (previous == letter ? 1 : 0) & (letter >= 0x61 ? 1 : 0)
            previous = letter
            out[count] = letter
            count &+= 1 &- repeated
        }
        /// Opens a token with `letter` from the scalar at UTF-8 offset `start`; a sentence break
        /// seen since the last token starts a new sentence.
        @inline(__always) func open(_ letter: UInt8, at start: Int) {
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
            origins[tokenCount].scalarStart = index
            origins[tokenCount].utf8Start = Int32(truncatingIfNeeded: start)
            previous = letter
            out[count] = letter
            count &+= 1
        }
        /// Closes the open token, if any, and writes the space after it.
        @inline(__always) func close() {
            guard tokenStart >= 0 else { return }
            tokens[tokenCount] = tokenStart..<count
            origins[tokenCount].scalarEnd = letterEnd
            origins[tokenCount].utf8End = Int32(truncatingIfNeeded: letterEndUTF8)
            tokenCount &+= 1
            tokenStart = -1
            out[count] = Self.space
            count &+= 1
        }

        while position < length {
            let lead = utf8[position]
            let folded = asciiFold[Int(lead)]
            if folded < Self.breakMark {
                // An ASCII letter or digit, and the rest of the ASCII word in a loop of its own:
                // most text is this, and the loop's one branch is taken until the word ends.
                if tokenStart < 0 { open(folded, at: position) } else { append(folded) }
                position &+= 1
                index &+= 1
                while position < length {
                    let letter = asciiFold[Int(utf8[position])]
                    if letter >= Self.breakMark { break }
                    append(letter)
                    position &+= 1
                    index &+= 1
                }
                letterEnd = index
                letterEndUTF8 = position
                continue
            }
            if lead < 0x80 {
                // ASCII punctuation, blanks and controls.
                position &+= 1
                index &+= 1
                close()
                if folded != Self.otherMark {
                    pendingBreak = true
                    if folded == Self.questionMark { question = true }
                }
                continue
            }
            // A multi-byte scalar: the letters it folds to (0, 1 or 2), or a separator.
            let start = position
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
            case .none:
                close()
            case .one(let a):
                if tokenStart < 0 { open(a, at: start) } else { append(a) }
                letterEnd = index &+ 1
                letterEndUTF8 = position
            case .two(let a, let b):
                if tokenStart < 0 { open(a, at: start) } else { append(a) }
                append(b)
                letterEnd = index &+ 1
                letterEndUTF8 = position
            }
            index &+= 1
        }
        if question { sentenceIsQuestion[Int(sentence)] = true }
        close()
        // No space after the last token (this `close` or the one at the last separator wrote it).
        if count > 0, out[count &- 1] == Self.space { count &-= 1 }
        return (count, tokenCount)
    }

    /// What each ASCII byte folds to: a lower-case letter or digit, or one of the marks below.
    /// Bytes from 0x80 on (UTF-8 lead and continuation bytes) are `otherMark`, so that the ASCII
    /// word loop stops at them and the scalar is decoded.
    static let breakMark: UInt8 = 0xFD
    static let questionMark: UInt8 = 0xFE
    static let otherMark: UInt8 = 0xFF
    /// Allocated once and never freed or written after, so reading it from any thread is safe.
    private nonisolated(unsafe) static let asciiTable: UnsafeBufferPointer<UInt8> = {
        let table = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 256)
        for b in 0..<256 {
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

    /// The original scalar range of tokens `first...last` (offsets as a finding reports them).
    func originalRange(tokens first: Int, _ last: Int) -> Range<Int> {
        Int(origins[first].scalarStart)..<Int(origins[last].scalarEnd)
    }

    /// The original scalars of tokens `first...last`.
    func originalScalars(tokens first: Int, _ last: Int) -> Substring.UnicodeScalarView {
        let utf8 = text.utf8
        let from = utf8.index(utf8.startIndex, offsetBy: Int(origins[first].utf8Start))
        let to = utf8.index(utf8.startIndex, offsetBy: Int(origins[last].utf8End))
        // Both offsets are where a scalar starts (or the end), so no index is rounded.
        return text.unicodeScalars[from..<to]
    }

    /// The original text of tokens `first...last`.
    func original(tokens first: Int, _ last: Int) -> String {
        String(originalScalars(tokens: first, last))
    }

    /// The original scalar token `token` starts with.
    func firstScalar(token: Int) -> Unicode.Scalar {
        let utf8 = text.utf8
        return text.unicodeScalars[utf8.index(utf8.startIndex, offsetBy: Int(origins[token].utf8Start))]
    }
}
