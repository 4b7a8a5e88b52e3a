/// Who may see a ticket and its messages (DESIGN.md section 1, issue 4).
///
/// Members see the tickets about themselves: those whose subject is the subject their
/// contract links them to (a broker's referral with the policy number of the member's
/// contract belongs to the same subject). Brokers see tickets on their organisation's
/// referrals, advisors tickets assigned to them, unassigned tickets and tickets on contracts
/// they advise; the data-protection officer sees all; admins see no content. Tickets of a
/// restricted subject are visible to the DPO only. A denied ticket answers 404.
public struct ReadTicketRule: Sendable {
    public init() {}

    public func permits(_ p: Principal, _ t: TicketScope) -> Bool {
        if t.restricted { return p.role == .dpo }
        switch p.role {
        case .member:
            return t.subjectID != nil && t.subjectID == p.subjectID
        case .broker:
            return t.referenceKind == .referral && p.organisationID != nil
                && t.referenceOrganisationID == p.organisationID
        case .advisor:
            return t.assigneeID == nil || t.assigneeID == p.userID || t.referenceAdvisorID == p.userID
        case .dpo:
            return true
        case .admin:
            return false
        }
    }
}

extension TicketScope {
    /// The same ticket as if its subject were not restricted (to tell "restricted" from "not yours").
    public var unrestricted: TicketScope {
        var scope = self
        scope.restricted = false
        return scope
    }
}

extension ReferenceScope {
    /// The same reference as if its subject were not restricted.
    public var unrestricted: ReferenceScope {
        var scope = self
        scope.restricted = false
        return scope
    }
}

/// Who may reply in a ticket: whoever may read it, except the DPO (who only reads).
public struct ReplyTicketRule: Sendable {
    public init() {}

    public func permits(_ p: Principal, _ t: TicketScope) -> Bool {
        p.role != .dpo && ReadTicketRule().permits(p, t)
    }
}

/// Who may change a ticket's status or assignee: advisors who may read it.
public struct ManageTicketRule: Sendable {
    public init() {}

    public func permits(_ p: Principal, _ t: TicketScope) -> Bool {
        p.role == .advisor && ReadTicketRule().permits(p, t)
    }
}

/// What access control needs to know about a reference.
public struct ReferenceScope: Sendable, Equatable {
    public var kind: ReferenceKind
    public var organisationID: String?
    public var advisorID: String?
    public var subjectID: String?
    public var restricted: Bool

    public init(kind: ReferenceKind, organisationID: String?, advisorID: String?, subjectID: String?, restricted: Bool = false) {
        self.kind = kind
        self.organisationID = organisationID
        self.advisorID = advisorID
        self.subjectID = subjectID
        self.restricted = restricted
    }
}

/// Who may open a ticket on a reference: the member on their own contract, a broker on their
/// organisation's referral, an advisor on any reference. A denied reference answers 404.
public struct OpenTicketRule: Sendable {
    public init() {}

    public func permits(_ p: Principal, _ r: ReferenceScope) -> Bool {
        if r.restricted { return false }
        switch p.role {
        case .member: return r.kind == .contract && r.subjectID != nil && r.subjectID == p.subjectID
        case .broker: return r.kind == .referral && p.organisationID != nil && r.organisationID == p.organisationID
        case .advisor: return true
        case .dpo, .admin: return false
        }
    }
}

/// Who may read a referral: its organisation's brokers, advisors and the DPO.
public struct ReadReferralRule: Sendable {
    public init() {}

    public func permits(_ p: Principal, _ r: ReferenceScope) -> Bool {
        guard r.kind == .referral else { return false }
        if r.restricted { return p.role == .dpo }
        switch p.role {
        case .broker: return p.organisationID != nil && r.organisationID == p.organisationID
        case .advisor, .dpo: return true
        case .member, .admin: return false
        }
    }
}

/// Brokers of an organisation create referrals.
public struct CreateReferralRule: AccessRule {
    public init() {}
    public func permits(_ principal: Principal) -> Bool { principal.role == .broker && principal.organisationID != nil }
}

/// Advisors and admins register contracts.
public struct RegisterContractRule: AccessRule {
    public init() {}
    public func permits(_ principal: Principal) -> Bool { principal.role == .advisor || principal.role == .admin }
}

/// Rectifying a message: its author within the window, or the DPO at any time.
public struct RectifyMessageRule: Sendable {
    public init() {}

    public func permits(_ p: Principal, authorID: String?, withinWindow: Bool, ticket: TicketScope) -> Bool {
        if p.role == .dpo { return true }
        return authorID == p.userID && withinWindow && ReplyTicketRule().permits(p, ticket)
    }
}
