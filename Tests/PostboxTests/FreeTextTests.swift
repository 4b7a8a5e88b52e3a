import Testing

@testable import Postbox

@Suite("Free text rules")
struct FreeTextTests {
    /// Pieces the generated texts are made of: ASCII, accented letters precomposed and combining,
    /// an emoji sequence joined by U+200D, the allowed and the refused control characters, CR and
    /// CRLF, a format character (U+200B), a line separator, no-break and ideographic spaces.
    static let pieces: [String] = [
        "a", "Z", "7", " ", "  ", "\n", "\t", "\r", "\r\n", "é", "e\u{301}", "ß", "Ж", "中",
        "👩\u{200D}💻", "\u{0}", "\u{7}", "\u{7F}", "\u{85}", "\u{200B}", "\u{2028}", "\u{A0}", "\u{3000}", ".", "\"",
    ]

    /// The pieces without a character the quick path leaves to the full rules (U+200D is a format
    /// character, so the emoji sequence is not among them).
    static let plainPieces: [String] = [
        "a", "Z", "7", " ", "  ", "\n", "\t", "é", "e\u{301}", "ß", "Ж", "中", ".", "\"",
    ]

    /// The one-pass common case answers exactly as the full rules wherever it decides, for
    /// 20,000 generated texts, on one line and several, under tight and loose length limits.
    @Test func theQuickPathAgreesWithTheFullRules() {
        var generator = SeededGenerator(seed: 0x5EED)
        var decided = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...12, using: &generator))
                .map { _ in Self.pieces.randomElement(using: &generator)! }.joined()
            let multiline = Bool.random(using: &generator)
            let maxLength = Int.random(in: 0...16, using: &generator)
            let expected: String? =
                text.unicodeScalars.count > maxLength ? nil : FreeText.fullClean(text, multiline: multiline)
            #expect(
                FreeText.clean(text, multiline: multiline, maxLength: maxLength) == expected,
                "\(Array(text.unicodeScalars)) multiline: \(multiline) max: \(maxLength)")
            if case .clean = FreeText.quickClean(text, multiline: multiline, maxLength: maxLength) { decided += 1 }
        }
        #expect(decided > 2_000, "the quick path decided \(decided) of 20,000")
    }

    /// The same for longer texts (13 to 80 pieces, a few hundred bytes), large strings rather
    /// than small ones, with limits on both sides of their length.
    @Test func theQuickPathAgreesOnLongTexts() {
        var generator = SeededGenerator(seed: 0x10_0E5)
        var decided = 0
        for _ in 0..<5_000 {
            // Mostly pieces the quick path can decide, so that many texts get through it whole.
            let text = (0..<Int.random(in: 13...80, using: &generator)).map { _ in
                (Int.random(in: 0..<50, using: &generator) == 0 ? Self.pieces : Self.plainPieces)
                    .randomElement(using: &generator)!
            }.joined()
            let multiline = Bool.random(using: &generator)
            let length = text.unicodeScalars.count
            let maxLength = Int.random(in: (length - 2)...(length + 2), using: &generator)
            let expected: String? = length > maxLength ? nil : FreeText.fullClean(text, multiline: multiline)
            #expect(
                FreeText.clean(text, multiline: multiline, maxLength: maxLength) == expected,
                "\(Array(text.unicodeScalars)) multiline: \(multiline) max: \(maxLength)")
            if case .clean = FreeText.quickClean(text, multiline: multiline, maxLength: maxLength) { decided += 1 }
        }
        #expect(decided > 500, "the quick path decided \(decided) of 5,000")
    }

    /// The limit counts Unicode scalars as sent, whitespace included; a result never has more
    /// characters than the limit.
    @Test func theLimitCountsScalarsAsSent() {
        #expect(FreeText.clean("  abc  ", multiline: false, maxLength: 7) == "abc")
        #expect(FreeText.clean("  abc  ", multiline: false, maxLength: 6) == nil)
        #expect(FreeText.clean("e\u{301}", multiline: false, maxLength: 2) == "e\u{301}")
        #expect(FreeText.clean("e\u{301}", multiline: false, maxLength: 1) == nil)
        #expect(FreeText.clean("中文", multiline: false, maxLength: 2) == "中文")
        #expect(FreeText.clean("a\r\nb", multiline: true, maxLength: 4) == "a\nb")
        #expect(FreeText.clean("a\r\nb", multiline: true, maxLength: 3) == nil)
        #expect(FreeText.clean("a\nb", multiline: false, maxLength: 10) == nil)
        #expect(FreeText.clean("a\u{0}b", multiline: true, maxLength: 10) == nil)
        #expect(FreeText.clean(" \n\t ", multiline: true, maxLength: 10) == "")
    }
}

/// A small deterministic generator (SplitMix64), so a failure can be reproduced.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
