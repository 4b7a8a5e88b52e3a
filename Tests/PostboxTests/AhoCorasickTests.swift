import Testing

@testable import Postbox

/// The automaton against the obvious search, on texts long enough to be walked as four parts
/// and short enough to be walked as one, over a tiny alphabet so that patterns overlap a lot.
@Suite("Aho–Corasick automaton")
struct AhoCorasickTests {
    /// Patterns with one digit, texts with that digit and one no pattern has (the two must not
    /// be confused); every fourth round, patterns with all ten digits (a row longer than 32).
    static let patternBytes: [UInt8] = Array("ab 9".utf8)
    static let textBytes: [UInt8] = Array("ab 19".utf8)
    static let allDigits: [UInt8] = Array("ab 0123456789".utf8)

    static func randomBytes(_ count: Int, from bytes: [UInt8], _ generator: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in bytes.randomElement(using: &generator)! }
    }

    /// Every (pattern, end) where the pattern occurs in the text read with a space before and
    /// after it; `end` is the index of the last byte in the text (`count` for the space after).
    static func naive(_ patterns: [[UInt8]], _ text: [UInt8]) -> [[Int]] {
        let padded = [0x20] + text + [0x20]
        var found: [[Int]] = []
        for (id, pattern) in patterns.enumerated() where pattern.count <= padded.count {
            for start in 0...(padded.count - pattern.count) where padded[start..<start + pattern.count].elementsEqual(pattern) {
                found.append([id, start + pattern.count - 2])
            }
        }
        return found
    }

    static func scanned(_ automaton: AhoCorasick, _ text: [UInt8]) -> [[Int]] {
        var found: [[Int]] = []
        text.withUnsafeBufferPointer { automaton.scan($0) { id, end in found.append([id, end]) } }
        return found
    }

    @Test func findsExactlyWhatTheObviousSearchFindsInOrderOfEnd() {
        var generator = SeededGenerator(seed: 0x5EED)  // the same texts on every run
        for round in 0..<40 {
            let alphabet = round % 4 == 3 ? Self.allDigits : Self.patternBytes
            let textAlphabet = round % 4 == 3 ? Self.allDigits : Self.textBytes
            var patterns: [[UInt8]] = []
            while patterns.count < 30 {
                let length = Int.random(in: 1...(round % 2 == 0 ? 4 : 9), using: &generator)
                let pattern = Self.randomBytes(length, from: alphabet, &generator)
                // No pattern is only spaces (the scan's documented precondition).
                if pattern.contains(where: { $0 != 0x20 }), !patterns.contains(pattern) { patterns.append(pattern) }
            }
            let automaton = AhoCorasick(patterns: patterns)
            // Lengths from empty to far beyond eight times the longest pattern (four walks),
            // and around that limit.
            for length in [0, 1, 2, 7, 31, 32, 33, 34, 35, 71, 72, 73, 74, 75, 76, 100, 257, 1024, 1031] {
                let text = Self.randomBytes(length, from: textAlphabet, &generator)
                let found = Self.scanned(automaton, text)
                let ends = found.map { $0[1] }
                #expect(ends == ends.sorted(), "round \(round), length \(length): not in order of end")
                #expect(
                    found.sorted { $0.lexicographicallyPrecedes($1) }
                        == Self.naive(patterns, text).sorted { $0.lexicographicallyPrecedes($1) },
                    "round \(round), length \(length)")
            }
        }
    }

    @Test func anOccurrenceAcrossWhereTheWalksMeetIsFoundOnce() {
        let pattern = Array(" abba ".utf8)
        let automaton = AhoCorasick(patterns: [Array("ab".utf8), pattern])
        // A 200-byte text (four walks) with " abba " placed at every position.
        for offset in 0...194 {
            var text = [UInt8](repeating: 0x20, count: 200)
            text.replaceSubrange(offset..<offset + 6, with: pattern)
            let found = Self.scanned(automaton, text)
            #expect(found == [[0, offset + 2], [1, offset + 5]], "offset \(offset)")
        }
    }
}
