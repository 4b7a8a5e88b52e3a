/// One authorization rule: whether `principal` may do the thing the rule names.
///
/// Rules are small values, one per decision, unit-tested as a role matrix. Object-level rules
/// (tickets, references) take the object as well; a denied object is reported as not found.
public protocol AccessRule: Sendable {
    func permits(_ principal: Principal) -> Bool
}

/// Admins manage accounts (create, list, disable, change roles). Nobody else does.
public struct ManageUsersRule: AccessRule {
    public init() {}
    public func permits(_ principal: Principal) -> Bool { principal.role == .admin }
}

/// Admins register partner organisations.
public struct ManageOrganisationsRule: AccessRule {
    public init() {}
    public func permits(_ principal: Principal) -> Bool { principal.role == .admin }
}

/// Admins read the operating figures (`GET /metrics`).
public struct ReadMetricsRule: AccessRule {
    public init() {}
    public func permits(_ principal: Principal) -> Bool { principal.role == .admin }
}

/// The data-protection officer and admins read and verify the audit log.
public struct ReadAuditRule: AccessRule {
    public init() {}
    public func permits(_ principal: Principal) -> Bool { principal.role == .dpo || principal.role == .admin }
}

/// Ticket and message endpoints need the current terms accepted (any role that reaches them).
public struct ConsentRule: AccessRule {
    /// The terms version in force.
    public let currentVersion: String

    public init(currentVersion: String) { self.currentVersion = currentVersion }
    public func permits(_ principal: Principal) -> Bool { principal.consentVersion == currentVersion }

    /// Throws 403 `consent-required`, naming the version to accept, unless the principal accepted it.
    public func requireAccepted(_ principal: Principal) throws {
        guard permits(principal) else {
            throw PostboxError(.consentRequired, detail: "accept the postbox terms \(currentVersion) first (POST /v1/me/consent)")
        }
    }
}

extension AccessRule {
    /// Throws ``PostboxError`` `.forbidden` unless the rule permits `principal`.
    public func require(_ principal: Principal) throws {
        guard permits(principal) else {
            throw PostboxError(.forbidden, detail: "your role may not do this")
        }
    }
}

/// The data-protection officer reviews flagged entries.
public struct ReviewRule: AccessRule {
    public init() {}
    public func permits(_ principal: Principal) -> Bool { principal.role == .dpo }
}

/// The data-protection officer answers data-subject requests: search, export, restriction, erasure.
public struct SubjectRightsRule: AccessRule {
    public init() {}
    public func permits(_ principal: Principal) -> Bool { principal.role == .dpo }
}
