/// The special categories of personal data of GDPR Art. 9(1), in the order the API lists them.
public enum SpecialCategory: String, Sendable, Codable, CaseIterable, Comparable {
    case health
    case ethnicOrigin = "ethnic_origin"
    case politicalOpinion = "political_opinion"
    case religiousBelief = "religious_belief"
    case tradeUnion = "trade_union"
    case sexLife = "sex_life"
    case genetic
    case biometric

    var order: Int {
        switch self {
        case .health: 0
        case .ethnicOrigin: 1
        case .politicalOpinion: 2
        case .religiousBelief: 3
        case .tradeUnion: 4
        case .sexLife: 5
        case .genetic: 6
        case .biometric: 7
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }
}

/// One place in a text that reveals a special category.
public struct Finding: Sendable, Hashable, Codable {
    public let category: SpecialCategory
    /// Offset of the first Unicode scalar (code point) of the match in the original text.
    public let start: Int
    /// Offset just after the last Unicode scalar of the match.
    public let end: Int
    /// The matched text as written.
    public let match: String
    /// A neutral rewording to suggest, where one fits.
    public let suggestion: String?
}

/// The result of classifying one text.
public struct Classification: Sendable, Equatable, Codable {
    /// Categories found, in ``SpecialCategory`` order, without repeats.
    public let categories: [SpecialCategory]
    public let findings: [Finding]

    /// True when nothing was found.
    public var isEmpty: Bool { findings.isEmpty }
}
