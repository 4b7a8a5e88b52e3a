import Foundation

/// Finds GDPR Art. 9 special categories in German and English free text, with spans and
/// neutral rewordings. Pure Swift, no network; the lexicon ships inside the binary.
///
/// How it decides (details in the lexicon file's description):
/// 1. The text is folded (lower case, umlauts spelled out, doubled letters once, punctuation
///    as space), keeping a map back to the original scalars.
/// 2. One Aho–Corasick pass finds every lexicon pattern, context word, anchor and neutral
///    phrase. Patterns carry boundary rules: whole word, token prefix (inflections,
///    compounds that start with the stem), infix (compounds) or phrase.
/// 3. Neutral phrases (idioms, products such as "Krankenversicherung", places) mask what they
///    cover; names after a title ("Herr Krebs") and street names are skipped.
/// 4. Weaker entries need context within eight tokens: a person ("anchored") and no
///    hypothetical, or one of their `near` words; `unless` words cancel.
public final class SpecialCategoryClassifier: Sendable {
    /// Lexicon version, reported by `postbox-server classify --version` and in metrics.
    public let lexiconVersion: String

    struct Rule: Sendable {
        let categories: [SpecialCategory]
        let pattern: Int
        let strength: Lexicon.Strength
        let near: [Int]
        let unless: [Int]
        let block: [Int]
        let caseRule: CaseRule
        let suggestion: [String: String]
    }

    enum CaseRule: Sendable, Equatable {
        case any
        case upper
        case exact(String)
    }

    /// A compiled pattern with its boundary rules.
    struct Pattern: Hashable, Sendable {
        let bytes: [UInt8]
        let left: Bool
        let right: Bool
    }

    let automaton: AhoCorasick
    let patterns: [Pattern]
    let rulesByPattern: [[Int]]
    let rules: [Rule]
    let neutralPatterns: Set<Int>
    let anchors: [Int]
    let hypotheticals: [Int]
    let coverageWords: [Int]
    let subjects: [Int]
    let titles: [Int]
    let defaultSuggestions: [SpecialCategory: [String: String]]
    /// Tokens either side in which `near` and `unless` words count.
    static let window = 8
    /// Tokens either side in which a person or a hypothetical counts (one field is one thought).
    static let personWindow = 16

    /// The classifier with the lexicon shipped in the binary.
    public static let standard: SpecialCategoryClassifier = {
        do {
            return try SpecialCategoryClassifier(lexiconJSON: Data(PackageResources.special_categories_lexicon_json))
        } catch {
            preconditionFailure("the embedded lexicon is invalid: \(error)")
        }
    }()

    /// Builds a classifier from a lexicon document.
    public init(lexiconJSON: Data) throws {
        let lexicon = try JSONDecoder().decode(Lexicon.self, from: lexiconJSON)
        guard lexicon.format == "postbox-lexicon/1" else { throw CocoaError(.coderReadCorrupt) }
        lexiconVersion = lexicon.version
        var patterns: [Pattern] = []
        var index: [Pattern: Int] = [:]
        func intern(_ text: String, left: Bool = true, right: Bool) -> Int {
            let p = Pattern(bytes: FoldedText.foldPattern(text), left: left, right: right)
            if let id = index[p] { return id }
            index[p] = patterns.count
            patterns.append(p)
            return patterns.count - 1
        }
        /// Context words: short ones must be whole words, longer ones may start a longer token.
        func context(_ text: String) -> Int {
            intern(text, right: FoldedText.foldPattern(text).count <= 3)
        }
        var rules: [Rule] = []
        var neutral = Set<Int>()
        for entry in lexicon.entries {
            let id: Int
            switch entry.match {
            case .word, .phrase: id = intern(entry.pattern, right: true)
            case .prefix: id = intern(entry.pattern, right: false)
            case .infix: id = intern(entry.pattern, left: false, right: false)
            case .suffix: id = intern(entry.pattern, left: false, right: true)
            }
            if entry.neutral == true {
                neutral.insert(id)
                continue
            }
            let caseRule: CaseRule =
                switch entry.case {
                case "upper": .upper
                case let value? where value.hasPrefix("exact:"): .exact(String(value.dropFirst(6)))
                default: .any
                }
            rules.append(
                Rule(
                    categories: entry.categories ?? [], pattern: id, strength: entry.strength ?? .strong,
                    near: (entry.near ?? []).map(context), unless: (entry.unless ?? []).map(context),
                    block: (entry.blockTokens ?? []).map { intern($0, right: false) }, caseRule: caseRule,
                    suggestion: entry.suggestion ?? [:]))
        }
        anchors = lexicon.anchors.map { intern($0, right: true) }
        hypotheticals = lexicon.hypotheticals.map { intern($0, right: true) }
        coverageWords = lexicon.coverageWords.map { intern($0, right: true) }
        subjects = lexicon.subjects.map { intern($0, right: true) }
        titles = ["herr", "herrn", "frau", "hr", "fr", "dr", "prof", "familie", "fam", "mr", "mrs", "ms", "miss", "dear", "sehr geehrter", "sehr geehrte"]
            .map { intern($0, right: true) }
        var byPattern = [[Int]](repeating: [], count: patterns.count)
        for (i, rule) in rules.enumerated() { byPattern[rule.pattern].append(i) }
        self.patterns = patterns
        self.rules = rules
        self.rulesByPattern = byPattern
        self.neutralPatterns = neutral
        self.automaton = AhoCorasick(patterns: patterns.map(\.bytes))
        var defaults: [SpecialCategory: [String: String]] = [:]
        for (key, value) in lexicon.defaultSuggestions {
            if let category = SpecialCategory(rawValue: key) { defaults[category] = value }
        }
        defaultSuggestions = defaults
    }

    /// An occurrence of a pattern: first and last token, and byte range.
    struct Hit {
        let pattern: Int
        let firstToken: Int
        let lastToken: Int
        let bytes: ClosedRange<Int>
    }

    /// Classifies `text`.
    public func classify(_ text: String) -> Classification {
        let folded = FoldedText(text)
        guard !folded.tokens.isEmpty else { return Classification(categories: [], findings: []) }
        let bytes = folded.bytes

        // 1. Every occurrence of every pattern, respecting token boundaries.
        var hits: [Hit] = []
        var tokensOf = [[Int]](repeating: [], count: patterns.count)  // pattern → first tokens
        automaton.scan(bytes) { id, end in
            let p = patterns[id]
            let start = end - p.bytes.count + 1
            if p.left, start > 0, bytes[start - 1] != FoldedText.space { return }
            if p.right, end + 1 < bytes.count, bytes[end + 1] != FoldedText.space { return }
            guard bytes[start] != FoldedText.space else { return }
            let first = Int(folded.tokenIndex[start])
            let last = Int(folded.tokenIndex[bytes[end] == FoldedText.space ? end - 1 : end])
            tokensOf[id].append(first)
            if !rulesByPattern[id].isEmpty || neutralPatterns.contains(id) {
                hits.append(Hit(pattern: id, firstToken: first, lastToken: last, bytes: start...end))
            }
        }
        guard hits.contains(where: { !rulesByPattern[$0.pattern].isEmpty }) else {
            return Classification(categories: [], findings: [])
        }

        // 2. Neutral phrases mask the tokens they cover.
        var masked = [Bool](repeating: false, count: folded.tokens.count)
        for hit in hits where neutralPatterns.contains(hit.pattern) {
            for t in hit.firstToken...hit.lastToken { masked[t] = true }
        }

        func occurs(_ ids: [Int], near first: Int, _ last: Int, within window: Int = Self.window) -> Bool {
            let low = first - window
            let high = last + window
            for id in ids {
                for t in tokensOf[id] where t >= low && t <= high { return true }
            }
            return false
        }

        /// A question about cover with no person in it states no personal fact (guide rule G4).
        func isGenericCoverageQuestion(_ token: Int) -> Bool {
            let sentence = folded.sentenceOfToken[token]
            guard folded.sentenceIsQuestion[Int(sentence)] else { return false }
            let inSentence = { (ids: [Int]) in
                ids.contains { id in tokensOf[id].contains { folded.sentenceOfToken[$0] == sentence } }
            }
            return inSentence(coverageWords) && !inSentence(subjects)
        }

        // 3. Rules with their conditions.
        var findings: [Finding] = []
        var seen = Set<String>()
        var german: Bool?
        for hit in hits {
            let ruleIDs = rulesByPattern[hit.pattern]
            if ruleIDs.isEmpty { continue }
            if (hit.firstToken...hit.lastToken).contains(where: { masked[$0] }) { continue }
            if isName(folded, token: hit.firstToken) || isStreet(folded, token: hit.lastToken) { continue }
            for ruleID in ruleIDs {
                let rule = rules[ruleID]
                if !rule.block.isEmpty, rule.block.contains(where: { tokensOf[$0].contains(hit.firstToken) }) { continue }
                if !caseMatches(rule.caseRule, folded, hit) { continue }
                if !rule.unless.isEmpty, occurs(rule.unless, near: hit.firstToken, hit.lastToken) { continue }
                switch rule.strength {
                case .strong:
                    break
                case .anchored:
                    guard occurs(anchors, near: hit.firstToken, hit.lastToken, within: Self.personWindow),
                        !occurs(hypotheticals, near: hit.firstToken, hit.lastToken, within: Self.personWindow)
                    else { continue }
                case .context:
                    guard occurs(rule.near, near: hit.firstToken, hit.lastToken) else { continue }
                }
                if rule.categories.contains(.health), isGenericCoverageQuestion(hit.firstToken) { continue }
                let range = folded.originalRange(tokens: hit.firstToken, hit.lastToken)
                for category in rule.categories {
                    let key = "\(category.rawValue):\(range.lowerBound):\(range.upperBound)"
                    guard seen.insert(key).inserted else { continue }
                    if german == nil { german = isGerman(folded) }
                    let language = german == true ? "de" : "en"
                    let suggestion = rule.suggestion[language] ?? defaultSuggestions[category]?[language]
                    findings.append(
                        Finding(
                            category: category, start: range.lowerBound, end: range.upperBound,
                            match: folded.original(range), suggestion: suggestion))
                }
            }
        }
        findings.sort { ($0.start, $0.category) < ($1.start, $1.category) }
        let categories = Array(Set(findings.map(\.category))).sorted()
        return Classification(categories: categories, findings: findings)
    }

    // MARK: - Conditions

    /// A capitalised token right after a title is a name ("Herr Krebs", "Frau Weiß").
    private func isName(_ folded: FoldedText, token: Int) -> Bool {
        guard token > 0 else { return false }
        let first = folded.scalars[Int(folded.origin[folded.tokens[token].lowerBound])]
        guard first.properties.isUppercase else { return false }
        let previous = folded.tokens[token - 1]
        return titles.contains { id in
            patterns[id].bytes.elementsEqual(folded.bytes[previous])
        }
    }

    static let streetSuffixes: [[UInt8]] = ["strase", "str", "gase", "weg", "platz", "stret", "road", "lane", "avenue"]
        .map { Array($0.utf8) }

    /// Street names are places, not people ("Kirchstraße", "Krankenhausstraße").
    private func isStreet(_ folded: FoldedText, token: Int) -> Bool {
        let range = folded.tokens[token]
        let word = folded.bytes[range]
        for suffix in Self.streetSuffixes where word.count > suffix.count + 2 && word.suffix(suffix.count).elementsEqual(suffix) {
            return true
        }
        return false
    }

    private func caseMatches(_ rule: CaseRule, _ folded: FoldedText, _ hit: Hit) -> Bool {
        switch rule {
        case .any:
            return true
        case .upper:
            let range = folded.originalRange(tokens: hit.firstToken, hit.lastToken)
            return folded.scalars[range].allSatisfy { !$0.properties.isLowercase }
        case .exact(let expected):
            return folded.original(folded.originalRange(tokens: hit.firstToken, hit.lastToken)) == expected
        }
    }

    static let germanWords: Set<[UInt8]> = Set(
        ["der", "die", "das", "und", "ist", "nicht", "bitte", "ich", "mit", "fuer", "ein", "eine", "den", "dem", "kunde", "kundin", "wir", "auf", "bei", "von", "zu", "hat", "sind", "termin"]
            .map { Array($0.utf8) })
    static let englishWords: Set<[UInt8]> = Set(
        ["the", "and", "is", "not", "please", "i", "with", "for", "a", "an", "my", "to", "of", "customer", "we", "on", "at", "has", "are", "appointment"]
            .map { Array($0.utf8) })

    private func isGerman(_ folded: FoldedText) -> Bool {
        var de = 0
        var en = 0
        for range in folded.tokens where range.count <= 11 {
            let word = Array(folded.bytes[range])
            if Self.germanWords.contains(word) { de += 1 } else if Self.englishWords.contains(word) { en += 1 }
        }
        return de >= en
    }
}
