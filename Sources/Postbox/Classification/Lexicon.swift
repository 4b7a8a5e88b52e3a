/// The lexicon file (`Resources/special-categories.lexicon.json`), as written by people.
struct Lexicon: Decodable {
    struct Entry: Decodable {
        var categories: [SpecialCategory]?
        var pattern: String
        var match: Match
        var strength: Strength?
        var near: [String]?
        var unless: [String]?
        var blockTokens: [String]?
        var `case`: String?
        var suggestion: [String: String]?
        var neutral: Bool?
    }

    enum Match: String, Decodable { case word, prefix, infix, suffix, phrase }
    enum Strength: String, Decodable { case strong, anchored, context }

    var format: String
    var version: String
    var defaultSuggestions: [String: [String: String]]
    var anchors: [String]
    var hypotheticals: [String]
    /// Words of insurance cover; with a question mark and no person in the sentence they make
    /// health findings generic ("Does the plan cover cancer treatment?").
    var coverageWords: [String]
    /// Persons and personal-fact words that keep a coverage question personal.
    var subjects: [String]
    /// Words after which a capitalised word is a name ("Herr Krebs", "Dr. Blind").
    var titles: [String]
    /// Legal-form words after which the capitalised words before them are a firm's name
    /// ("Werkstatt Krebs GmbH", "Engel & Völkers AG").
    var companySuffixes: [String]
    var entries: [Entry]
}
