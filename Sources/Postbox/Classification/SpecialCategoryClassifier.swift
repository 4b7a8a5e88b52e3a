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

    /// A class, so the hot loop reads a rule through a reference instead of copying its sets.
    final class Rule: Sendable {
        let categories: [SpecialCategory]
        let pattern: Int
        let strength: Lexicon.Strength
        let near: PatternSet
        let unless: PatternSet
        let block: PatternSet
        let caseRule: CaseRule
        let suggestionDE: String?
        let suggestionEN: String?

        init(
            categories: [SpecialCategory], pattern: Int, strength: Lexicon.Strength, near: PatternSet, unless: PatternSet,
            block: PatternSet, caseRule: CaseRule, suggestionDE: String?, suggestionEN: String?
        ) {
            self.categories = categories
            self.pattern = pattern
            self.strength = strength
            self.near = near
            self.unless = unless
            self.block = block
            self.caseRule = caseRule
            self.suggestionDE = suggestionDE
            self.suggestionEN = suggestionEN
        }
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
    /// Per pattern, what the scan needs, in one small record (one load per occurrence).
    struct PatternInfo {
        let length: Int32
        /// Bits of ``PatternFlag``.
        let flags: UInt8
        /// The roles it plays in every text (bits of ``RoleBit``), marked per token.
        let roles: UInt8
    }

    enum PatternFlag {
        /// Must start a token.
        static let left: UInt8 = 1
        /// Must end a token.
        static let right: UInt8 = 2
        /// Starts a rule or is neutral: occurrences become hits.
        static let hit: UInt8 = 4
        /// Some rule names it in `near`, `unless` or `blockTokens`.
        static let context: UInt8 = 8
        /// Starts a rule.
        static let rule: UInt8 = 16
        /// A neutral phrase: masks what it covers.
        static let neutral: UInt8 = 32
    }

    let patternInfo: [PatternInfo]

    /// Roles of context patterns that are checked for every rule, as bits.
    enum RoleBit {
        static let anchor: UInt8 = 1
        static let hypothetical: UInt8 = 2
        static let coverage: UInt8 = 4
        static let subject: UInt8 = 8
        static let title: UInt8 = 16
        static let german: UInt8 = 32
        static let english: UInt8 = 64
        static let company: UInt8 = 128
    }

    static let germanWords = ["der", "die", "das", "und", "ist", "nicht", "bitte", "ich", "mit", "fuer", "ein", "eine", "den", "dem", "kunde", "kundin", "wir", "auf", "bei", "von", "zu", "hat", "sind", "termin"]
    static let englishWords = ["the", "and", "is", "not", "please", "i", "with", "for", "a", "an", "my", "to", "of", "customer", "we", "on", "at", "has", "are"]
    let rulesByPattern: [[Int]]
    let rules: [Rule]
    let anchors: [Int]
    let hypotheticals: [Int]
    let coverageWords: [Int]
    let subjects: [Int]
    let titles: [Int]
    let companySuffixes: [Int]
    /// Default suggestion per category, German and English, indexed by ``SpecialCategory/order``.
    let defaultSuggestionsDE: [String?]
    let defaultSuggestionsEN: [String?]
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
                    near: PatternSet((entry.near ?? []).map(context)), unless: PatternSet((entry.unless ?? []).map(context)),
                    block: PatternSet((entry.blockTokens ?? []).map { intern($0, right: false) }), caseRule: caseRule,
                    suggestionDE: entry.suggestion?["de"], suggestionEN: entry.suggestion?["en"]))
        }
        anchors = lexicon.anchors.map { intern($0, right: true) }
        hypotheticals = lexicon.hypotheticals.map { intern($0, right: true) }
        coverageWords = lexicon.coverageWords.map { intern($0, right: true) }
        subjects = lexicon.subjects.map { intern($0, right: true) }
        titles = lexicon.titles.map { intern($0, right: true) }
        companySuffixes = lexicon.companySuffixes.map { intern($0, right: true) }
        let germanIDs = Self.germanWords.map { intern($0, right: true) }
        let englishIDs = Self.englishWords.map { intern($0, right: true) }
        var byPattern = [[Int]](repeating: [], count: patterns.count)
        for (i, rule) in rules.enumerated() { byPattern[rule.pattern].append(i) }
        self.patterns = patterns
        var roles = [UInt8](repeating: 0, count: patterns.count)
        for id in anchors { roles[id] |= RoleBit.anchor }
        for id in hypotheticals { roles[id] |= RoleBit.hypothetical }
        for id in coverageWords { roles[id] |= RoleBit.coverage }
        for id in subjects { roles[id] |= RoleBit.subject }
        for id in titles { roles[id] |= RoleBit.title }
        for id in companySuffixes { roles[id] |= RoleBit.company }
        for id in germanIDs { roles[id] |= RoleBit.german }
        for id in englishIDs { roles[id] |= RoleBit.english }
        var context = [Bool](repeating: false, count: patterns.count)
        for rule in rules { for id in rule.near.ids + rule.unless.ids + rule.block.ids { context[Int(id)] = true } }
        self.patternInfo = patterns.indices.map { id in
            var flags: UInt8 = 0
            if patterns[id].left { flags |= PatternFlag.left }
            if patterns[id].right { flags |= PatternFlag.right }
            if !byPattern[id].isEmpty { flags |= PatternFlag.rule | PatternFlag.hit }
            if neutral.contains(id) { flags |= PatternFlag.hit | PatternFlag.neutral }
            if context[id] { flags |= PatternFlag.context }
            return PatternInfo(length: Int32(patterns[id].bytes.count), flags: flags, roles: roles[id])
        }
        self.rules = rules
        self.rulesByPattern = byPattern
        // Word boundaries become spaces in the automaton's patterns (see ``AhoCorasick/scan(_:_:)``).
        self.automaton = AhoCorasick(
            patterns: patterns.map { ($0.left ? [FoldedText.space] : []) + $0.bytes + ($0.right ? [FoldedText.space] : []) })
        var de = [String?](repeating: nil, count: SpecialCategory.allCases.count)
        var en = de
        for (key, value) in lexicon.defaultSuggestions {
            if let category = SpecialCategory(rawValue: key) {
                de[category.order] = value["de"]
                en[category.order] = value["en"]
            }
        }
        defaultSuggestionsDE = de
        defaultSuggestionsEN = en
    }

    /// An occurrence of a pattern that starts a rule or is neutral: its first and last token.
    struct Hit {
        let pattern: Int
        let firstToken: Int
        let lastToken: Int
    }

    /// Classifies `text`.
    public func classify(_ text: String) -> Classification {
        let folded = FoldedText(text)
        guard !folded.tokens.isEmpty else { return Classification(categories: [], findings: []) }
        let bytes = folded.bytes

        // 1. Every occurrence of every pattern, respecting token boundaries.
        var foundHits: [Hit] = []
        var foundOccurrences: [(pattern: Int, token: Int)] = []
        // About one occurrence per token in German and English prose; hits are rarer.
        foundHits.reserveCapacity(32)
        foundOccurrences.reserveCapacity(folded.tokens.count)
        var roles = [UInt8](repeating: 0, count: folded.tokens.count)
        var anyRule = false
        patternInfo.withUnsafeBufferPointer { info in
            bytes.withUnsafeBufferPointer { bytes in
                folded.tokenIndex.withUnsafeBufferPointer { tokenIndex in
                    automaton.scan(bytes) { id, paddedEnd in
                        // The automaton's patterns carry their boundaries as spaces: strip the right one.
                        let pattern = info[id]
                        let end = pattern.flags & PatternFlag.right != 0 ? paddedEnd &- 1 : paddedEnd
                        let start = end &- Int(pattern.length) &+ 1
                        guard start >= 0, bytes[start] != FoldedText.space else { return }
                        let first = Int(tokenIndex[start])
                        roles[first] |= pattern.roles
                        if pattern.flags & PatternFlag.context != 0 { foundOccurrences.append((id, first)) }
                        if pattern.flags & PatternFlag.hit != 0 {
                            let last = Int(tokenIndex[bytes[end] == FoldedText.space ? end &- 1 : end])
                            foundHits.append(Hit(pattern: id, firstToken: first, lastToken: last))
                            if pattern.flags & PatternFlag.rule != 0 { anyRule = true }
                        }
                    }
                }
            }
        }
        guard anyRule else { return Classification(categories: [], findings: []) }
        // Immutable from here on, so the helpers below read them without exclusivity checks.
        let hits = foundHits
        let occurrences = foundOccurrences.sorted { $0.token < $1.token }
        let tokenRoles = roles

        // 2. Neutral phrases mask the tokens they cover.
        var maskedTokens = [Bool](repeating: false, count: folded.tokens.count)
        for hit in hits where patternInfo[hit.pattern].flags & PatternFlag.neutral != 0 {
            for t in hit.firstToken...hit.lastToken { maskedTokens[t] = true }
        }
        let masked = maskedTokens

        /// Whether one of the context patterns `ids` starts within `window` tokens of the hit.
        func occurs(_ ids: PatternSet, near first: Int, _ last: Int, within window: Int = Self.window) -> Bool {
            let low = first - window
            let high = last + window
            // Binary search for the first occurrence in the window; occurrences are sorted by token.
            var lower = 0
            var upper = occurrences.count
            while lower < upper {
                let mid = (lower + upper) / 2
                if occurrences[mid].token < low { lower = mid + 1 } else { upper = mid }
            }
            var i = lower
            while i < occurrences.count, occurrences[i].token <= high {
                if ids.contains(occurrences[i].pattern) { return true }
                i += 1
            }
            return false
        }

        /// Whether a token with `role` lies within `window` tokens of the hit.
        func hasRole(_ role: UInt8, near first: Int, _ last: Int, within window: Int) -> Bool {
            let low = max(0, first - window)
            let high = min(tokenRoles.count - 1, last + window)
            guard low <= high else { return false }
            for t in low...high where tokenRoles[t] & role != 0 { return true }
            return false
        }

        /// A question about cover with no person in it states no personal fact (guide rule G4).
        func isGenericCoverageQuestion(_ token: Int) -> Bool {
            let sentence = folded.sentenceOfToken[token]
            guard folded.sentenceIsQuestion[Int(sentence)] else { return false }
            var coverage = false
            var subject = false
            for t in tokenRoles.indices where folded.sentenceOfToken[t] == sentence {
                coverage = coverage || tokenRoles[t] & RoleBit.coverage != 0
                subject = subject || tokenRoles[t] & RoleBit.subject != 0
            }
            return coverage && !subject
        }

        // 3. Rules with their conditions.
        var findings: [Finding] = []
        // (range, category) keys of the findings so far: a handful, searched linearly.
        var seen: [Int] = []
        var german: Bool?
        for hit in hits {
            let ruleIDs = rulesByPattern[hit.pattern]
            if ruleIDs.isEmpty { continue }
            if (hit.firstToken...hit.lastToken).contains(where: { masked[$0] }) { continue }
            if hit.firstToken > 0, tokenRoles[hit.firstToken - 1] & RoleBit.title != 0,
                folded.firstScalar(token: hit.firstToken).properties.isUppercase
            {
                continue  // a name after a title ("Herr Krebs")
            }
            if isStreet(folded, token: hit.lastToken) { continue }
            if isFirmName(folded, hit, tokenRoles) { continue }
            for ruleID in ruleIDs {
                let rule = rules[ruleID]
                if !rule.block.isEmpty, occurs(rule.block, near: hit.firstToken, hit.firstToken, within: 0) { continue }
                if !caseMatches(rule.caseRule, folded, hit) { continue }
                if !rule.unless.isEmpty, occurs(rule.unless, near: hit.firstToken, hit.lastToken) { continue }
                switch rule.strength {
                case .strong:
                    break
                case .anchored:
                    guard hasRole(RoleBit.anchor, near: hit.firstToken, hit.lastToken, within: Self.personWindow),
                        !hasRole(RoleBit.hypothetical, near: hit.firstToken, hit.lastToken, within: Self.personWindow)
                    else { continue }
                case .context:
                    guard occurs(rule.near, near: hit.firstToken, hit.lastToken) else { continue }
                }
                if rule.categories.contains(.health), isGenericCoverageQuestion(hit.firstToken) { continue }
                let range = folded.originalRange(tokens: hit.firstToken, hit.lastToken)
                for category in rule.categories {
                    let key = (range.lowerBound << 24) | (range.upperBound << 4) | category.order
                    guard !seen.contains(key) else { continue }
                    seen.append(key)
                    if german == nil {
                        let de = tokenRoles.reduce(0) { $0 + ($1 & RoleBit.german != 0 ? 1 : 0) }
                        let en = tokenRoles.reduce(0) { $0 + ($1 & RoleBit.english != 0 ? 1 : 0) }
                        german = de >= en
                    }
                    let suggestion =
                        german == true
                        ? rule.suggestionDE ?? defaultSuggestionsDE[category.order]
                        : rule.suggestionEN ?? defaultSuggestionsEN[category.order]
                    findings.append(
                        Finding(
                            category: category, start: range.lowerBound, end: range.upperBound,
                            match: folded.original(tokens: hit.firstToken, hit.lastToken), suggestion: suggestion))
                }
            }
        }
        findings.sort { ($0.start, $0.category) < ($1.start, $1.category) }
        let found = findings.reduce(0) { $0 | 1 << $1.category.order }
        let categories = SpecialCategory.allCases.filter { found & 1 << $0.order != 0 }.sorted()
        return Classification(categories: categories, findings: findings)
    }

    // MARK: - Conditions


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

    /// Capitalised words right before a legal form are a firm's name ("Werkstatt Krebs GmbH",
    /// "Blind & Partner KG"): the hit's words and those up to the legal form (at most two more)
    /// start with a capital letter.
    private func isFirmName(_ folded: FoldedText, _ hit: Hit, _ roles: [UInt8]) -> Bool {
        let limit = min(roles.count - 1, hit.lastToken + 3)
        guard hit.lastToken < limit,
            let suffix = (hit.lastToken + 1...limit).first(where: { roles[$0] & RoleBit.company != 0 })
        else { return false }
        // Two-letter forms only in capitals: "AG" is a firm, "aG" a disability mark.
        let form = folded.tokens[suffix]
        if form.count <= 2 {
            if folded.originalScalars(tokens: suffix, suffix).contains(where: \.properties.isLowercase) { return false }
        }
        for token in hit.firstToken..<suffix {
            let first = folded.firstScalar(token: token)
            if !first.properties.isUppercase && !("0"..."9").contains(first) { return false }
        }
        return true
    }

    private func caseMatches(_ rule: CaseRule, _ folded: FoldedText, _ hit: Hit) -> Bool {
        switch rule {
        case .any:
            return true
        case .upper:
            return !folded.originalScalars(tokens: hit.firstToken, hit.lastToken).contains(where: \.properties.isLowercase)
        case .exact(let expected):
            return folded.original(tokens: hit.firstToken, hit.lastToken) == expected
        }
    }


}


/// A small set of pattern ids, sorted: membership by binary search, no hashing in the hot loop.
struct PatternSet: Sendable {
    let ids: [Int32]

    init(_ ids: some Sequence<Int>) {
        self.ids = Set(ids).map { Int32($0) }.sorted()
    }

    var isEmpty: Bool { ids.isEmpty }

    func contains(_ id: Int) -> Bool {
        var lower = 0
        var upper = ids.count
        let target = Int32(truncatingIfNeeded: id)
        while lower < upper {
            let mid = (lower &+ upper) / 2
            if ids[mid] < target { lower = mid &+ 1 } else { upper = mid }
        }
        return lower < ids.count && ids[lower] == target
    }
}
