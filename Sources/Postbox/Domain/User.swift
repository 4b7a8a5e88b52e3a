import Foundation

/// What a person may do in Postbox (DESIGN.md section 1).
public enum Role: String, Sendable, Codable, CaseIterable {
    case member, broker, advisor, dpo, admin
}

/// Lifecycle of an account.
public enum AccountStatus: String, Sendable, Codable, CaseIterable {
    /// Created by staff; only a one-time activation code exists.
    case pending
    /// Password set; may log in.
    case active
    /// Disabled by an admin or by withdrawal of consent.
    case disabled
    /// Ended by the erasure of its subject: no login, no content; the id stays for the audit trail.
    case erased
}

/// An account, with its display name decrypted.
public struct User: Sendable, Equatable, Codable {
    public var id: String
    public var login: String
    public var role: Role
    public var status: AccountStatus
    public var organisationID: String?
    public var displayName: String
    public var memberNumber: String?
    public var createdAt: Date

    public init(
        id: String, login: String, role: Role, status: AccountStatus, organisationID: String?,
        displayName: String, memberNumber: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.login = login
        self.role = role
        self.status = status
        self.organisationID = organisationID
        self.displayName = displayName
        self.memberNumber = memberNumber
        self.createdAt = createdAt
    }
}

/// What staff give to create an account.
public struct NewUser: Sendable, Equatable {
    public var login: String
    public var role: Role
    public var displayName: String
    public var organisationID: String?
    /// A member's member number (normalised), linking the account to contracts.
    public var memberNumber: String?

    public init(
        login: String, role: Role, displayName: String, organisationID: String? = nil, memberNumber: String? = nil
    ) {
        self.login = login
        self.role = role
        self.displayName = displayName
        self.organisationID = organisationID
        self.memberNumber = memberNumber
    }
}

/// Normalised forms of identifiers, as blind indexes are computed over them.
public enum Identifier {
    /// Member numbers: upper case, without spaces, dots, slashes or dashes.
    public static func memberNumber(_ raw: String) -> String {
        raw.uppercased().filter { !" .-/".contains($0) }
    }

    /// Whether a normalised member number is acceptable: 1-32 ASCII letters and digits.
    public static func isValidMemberNumber(_ normalised: String) -> Bool {
        (1...32).contains(normalised.count) && normalised.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }
}

/// One-time activation codes ("PIN by letter").
public enum ActivationCode {
    /// Crockford base32 without I, L, O, U: easy to read aloud and type from a letter.
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// A new code of 16 symbols (80 bits) in groups of four, e.g. `7K2M-QX9D-4HRT-B8CN`.
    public static func generate() -> String {
        let symbols = (0..<16).map { _ in alphabet[Int(SecureRandom.uniform(UInt32(alphabet.count)))] }
        return stride(from: 0, to: 16, by: 4).map { String(symbols[$0..<$0 + 4]) }.joined(separator: "-")
    }

    /// The code as typed by a person, upper-cased and without separators, for hashing.
    public static func normalise(_ code: String) -> String {
        code.uppercased().filter { $0 != "-" && $0 != " " }
    }
}
