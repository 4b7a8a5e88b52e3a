import Foundation

/// What a ticket is about: a contract (a policy) or a referral (an order a broker passed on).
public enum ReferenceKind: String, Sendable, Codable, CaseIterable {
    case contract, referral
}

/// Kind of damage a referral is about.
public enum DamageType: String, Sendable, Codable, CaseIterable {
    case glass, collision, hail, storm, theft, vandalism, animal, other
}

/// Where an entry came from: who, in which role and organisation, over which channel, when,
/// from which shortened address. Stored with every reference, ticket, message and attachment.
public struct Origin: Sendable, Equatable, Codable {
    public var authorID: String?
    public var role: Role?
    public var organisationID: String?
    public var channel: String
    public var ipPrefix: String?
    public var createdAt: Date

    public init(authorID: String?, role: Role?, organisationID: String?, channel: String, ipPrefix: String?, createdAt: Date) {
        self.authorID = authorID
        self.role = role
        self.organisationID = organisationID
        self.channel = channel
        self.ipPrefix = ipPrefix
        self.createdAt = createdAt
    }
}

/// The holder of a contract.
public struct Holder: Sendable, Equatable, Codable {
    public var surname: String
    public var firstName: String?
    public var memberNumber: String?

    public init(surname: String, firstName: String? = nil, memberNumber: String? = nil) {
        self.surname = surname
        self.firstName = firstName
        self.memberNumber = memberNumber
    }
}

/// A contract as stored (personal fields decrypted).
public struct Contract: Sendable, Equatable {
    public var id: String
    public var number: String
    public var subjectID: String
    public var advisorID: String?
    public var holder: Holder
    /// When the contract ended, if it did; the legal hold on its correspondence runs from here.
    public var endsAt: Date?
    public var origin: Origin
}

/// The personal fields of a referral, sealed together as one encrypted payload.
public struct ReferralDetails: Sendable, Equatable, Codable {
    public var surname: String
    public var phone: String
    public var licensePlate: String
    public var policyNumber: String
    public var firstName: String?
    public var email: String?
    public var damageType: DamageType?
    public var remarks: String?
    /// Whether the customer agreed to pass on the optional fields.
    public var consent: Bool

    public init(
        surname: String, phone: String, licensePlate: String, policyNumber: String, firstName: String? = nil,
        email: String? = nil, damageType: DamageType? = nil, remarks: String? = nil, consent: Bool = false
    ) {
        self.surname = surname
        self.phone = phone
        self.licensePlate = licensePlate
        self.policyNumber = policyNumber
        self.firstName = firstName
        self.email = email
        self.damageType = damageType
        self.remarks = remarks
        self.consent = consent
    }
}

/// A referral as stored (personal fields decrypted).
public struct Referral: Sendable, Equatable {
    public var id: String
    public var number: String
    public var serviceNumber: String
    public var subjectID: String
    public var organisationID: String?
    public var details: ReferralDetails
    public var origin: Origin
}

/// Normalised forms of identifiers, as they are validated, shown and blind-indexed.
extension Identifier {
    /// German licence plates: district (1-3 letters), 1-2 letters, 1-4 digits, optional E/H,
    /// written `M-AB 1234`. Accepts spaces or dashes between the parts, any case.
    public static func licencePlate(_ raw: String) -> String? {
        let text = raw.uppercased().trimmingCharacters(in: .whitespaces)
        let pattern = #"^([A-ZÄÖÜ]{1,3})[- ]+([A-Z]{1,2})[- ]*([1-9][0-9]{0,3})([EH]?)$"#
        guard let match = text.range(of: pattern, options: .regularExpression), match == text.startIndex..<text.endIndex
        else { return nil }
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " })
        guard parts.count >= 2 else { return nil }
        let district = parts[0]
        let rest = parts.dropFirst().joined()
        guard let digitStart = rest.firstIndex(where: \.isNumber) else { return nil }
        return "\(district)-\(rest[..<digitStart]) \(rest[digitStart...])"
    }

    /// Phone numbers: digits with an optional leading `+` (`00` becomes `+`), 6-15 digits.
    public static func phone(_ raw: String) -> String? {
        var text = raw.trimmingCharacters(in: .whitespaces).filter { !" -/().".contains($0) }
        if text.hasPrefix("00") { text = "+" + text.dropFirst(2) }
        let digits = text.hasPrefix("+") ? String(text.dropFirst()) : text
        guard (6...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return text
    }

    /// Policy and contract numbers: 3-32 letters, digits and `-./`, upper case, no spaces.
    public static func policyNumber(_ raw: String) -> String? {
        let text = raw.uppercased().filter { $0 != " " }
        guard (3...32).contains(text.count), text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-./".contains($0)) })
        else { return nil }
        return text
    }

    /// The form of a policy number that is indexed: without separators, so `KV-123.456` finds `KV123456`.
    public static func policyIndexForm(_ normalised: String) -> String {
        normalised.filter { !"-./".contains($0) }
    }

    /// E-mail addresses: trimmed, lower case, one `@` with text on both sides and a dot in the domain.
    public static func email(_ raw: String) -> String? {
        let text = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard text.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !text.contains(" ")
        else { return nil }
        return text
    }

    /// Surnames for indexing: case-folded, umlauts spelled out, without spaces and dashes.
    public static func surnameIndexForm(_ raw: String) -> String {
        raw.lowercased()
            .replacingOccurrences(of: "ä", with: "ae").replacingOccurrences(of: "ö", with: "oe")
            .replacingOccurrences(of: "ü", with: "ue").replacingOccurrences(of: "ß", with: "ss")
            .filter { !" -'".contains($0) }
    }
}

/// Blind-index kinds; stable names stored in `subject_index.kind`.
public enum IdentifierKind: String, Sendable, CaseIterable, Codable {
    case policyNumber = "policy_number"
    case referralNumber = "referral_number"
    case licencePlate = "licence_plate"
    case phone
    case surnamePhone = "surname_phone"
    case memberNumber = "member_number"
    case email
    case login
}

/// Text rules for free text people type (titles, bodies, remarks).
public enum FreeText {
    /// Trims, normalises line breaks, and rejects control characters other than newline and tab.
    /// Returns nil when the text holds other control characters, or more than `maxLength`
    /// Unicode scalars as sent (the API document's `maxLength` counts code points of the value
    /// as sent, whitespace included). A result is never longer than `maxLength` characters (a
    /// character holds at least one scalar), so callers only need to check it is not empty.
    public static func clean(_ raw: String, multiline: Bool, maxLength: Int) -> String? {
        switch quickClean(raw, multiline: multiline, maxLength: maxLength) {
        case .tooLong: return nil
        case .clean(let text): return text
        case .undecided: return fullClean(raw, multiline: multiline)
        }
    }

    /// The rules in full (Foundation's whitespace and line-break handling); ``quickClean`` gives
    /// the same answer for the texts it decides.
    static func fullClean(_ raw: String, multiline: Bool) -> String? {
        let text = raw.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let allowed: Set<Unicode.Scalar> = multiline ? ["\n", "\t"] : []
        let bad = text.unicodeScalars.contains {
            ($0.properties.generalCategory == .control || $0.properties.generalCategory == .format && $0 != "\u{200D}")
                && !allowed.contains($0)
        }
        return bad ? nil : text
    }

    enum QuickClean: Equatable {
        /// More than `maxLength` Unicode scalars.
        case tooLong
        /// The common case decided: the cleaned text.
        case clean(String)
        /// Carriage returns, control, format or non-ASCII space characters: the full rules apply.
        case undecided
    }

    /// The pass of ``quickClean(_:multiline:maxLength:)`` over the bytes: how many scalars,
    /// whether any byte is not ASCII, whether any is a control character other than the newline
    /// and tab a multi-line field allows. Counted rather than decided, so the loop's only branch
    /// is the rare control character (the compiler does not make it vector code).
    @inline(__always)
    private static func scan(
        _ bytes: some Sequence<UInt8>, multiline: Bool
    ) -> (scalars: Int, nonASCII: Bool, undecided: Bool) {
        var scalars = 0
        var union: UInt8 = 0
        var controls = 0
        var newlinesAndTabs = 0
        for byte in bytes {
            // A String's UTF-8 is valid, so every byte that is not a continuation byte starts a scalar.
            scalars &+= byte & 0xC0 != 0x80 ? 1 : 0
            union |= byte
            controls &+= byte < 0x20 || byte == 0x7F ? 1 : 0
            newlinesAndTabs &+= byte == 0x0A || byte == 0x09 ? 1 : 0
        }
        return (scalars, union >= 0x80, controls != (multiline ? newlinesAndTabs : 0))
    }

    /// The length limit and the common case in one pass over the bytes, without Foundation: no
    /// carriage returns, no control or format characters, ASCII whitespace at the ends.
    static func quickClean(_ raw: String, multiline: Bool, maxLength: Int) -> QuickClean {
        let (scalarCount, nonASCII, undecided) =
            raw.utf8.withContiguousStorageIfAvailable { scan($0, multiline: multiline) }
            ?? scan(raw.utf8, multiline: multiline)
        if scalarCount > maxLength { return .tooLong }
        if undecided { return .undecided }
        let scalars = raw.unicodeScalars
        if nonASCII {
            for scalar in scalars where scalar.value >= 0x80 {
                let category = scalar.properties.generalCategory
                if category == .control || category == .format || category == .lineSeparator
                    || category == .paragraphSeparator || category == .spaceSeparator
                {
                    return .undecided
                }
            }
        }
        let isSpace = { (s: Unicode.Scalar) in s == " " || s == "\n" || s == "\t" }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return .clean("") }
        let last = scalars.lastIndex(where: { !isSpace($0) }) ?? first
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return .clean(raw) }
        return .clean(String(scalars[first...last]))
    }
}
