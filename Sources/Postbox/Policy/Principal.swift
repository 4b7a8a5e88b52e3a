/// An authenticated caller: the account behind a valid session.
public struct Principal: Sendable, Equatable {
    public let userID: String
    public let login: String
    public let role: Role
    public let organisationID: String?
    public let sessionID: String
    /// Version of the postbox terms this account accepted, or nil.
    public let consentVersion: String?
    /// The data subject a member account belongs to (links it to contracts), or nil.
    public let subjectID: String?

    public init(
        userID: String, login: String, role: Role, organisationID: String?, sessionID: String, consentVersion: String?,
        subjectID: String? = nil
    ) {
        self.userID = userID
        self.login = login
        self.role = role
        self.organisationID = organisationID
        self.sessionID = sessionID
        self.consentVersion = consentVersion
        self.subjectID = subjectID
    }

    /// The principal as the actor of an audited action from `ipPrefix`.
    public func actor(ipPrefix: String?) -> Actor {
        Actor(userID: userID, role: role, organisationID: organisationID, ipPrefix: ipPrefix)
    }
}
