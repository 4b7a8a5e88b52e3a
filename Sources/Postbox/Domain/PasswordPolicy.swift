import Foundation

/// Which passwords are acceptable: 12 to 256 characters, not the login, not one of the
/// 1,000 most common passwords (`Resources/common-passwords.txt`, embedded at build time).
public struct PasswordPolicy: Sendable {
    public static let minLength = 12
    public static let maxLength = 256

    /// Lower-cased common passwords.
    let common: Set<String>

    /// The policy with the shipped list of common passwords.
    public static let standard = PasswordPolicy(common: loadCommonPasswords())

    init(common: Set<String>) { self.common = common }

    /// What is wrong with `password` for `login`, if anything.
    public func issues(_ password: String, login: String) -> [PostboxError.FieldIssue] {
        let message: String? =
            if password.count < Self.minLength { "at least \(Self.minLength) characters" }
            else if password.unicodeScalars.count > Self.maxLength { "at most \(Self.maxLength) characters" }
            else if password.lowercased() == login.lowercased() { "must not be the login" }
            else if common.contains(password.lowercased()) { "is one of the most common passwords" }
            else { nil }
        return message.map { [PostboxError.FieldIssue(field: "password", message: $0)] } ?? []
    }

    /// Number of common passwords known (1,000 when the resource is present).
    public var commonPasswordCount: Int { common.count }

    private static func loadCommonPasswords() -> Set<String> {
        let text = String(decoding: PackageResources.common_passwords_txt, as: UTF8.self)
        return Set(
            text.split(separator: "\n").lazy.filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { $0.lowercased() })
    }
}
