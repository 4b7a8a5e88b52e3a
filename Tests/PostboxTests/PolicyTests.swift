import Testing

@testable import Postbox

@Suite("Authorization rules as a role matrix")
struct PolicyTests {
    func principal(_ role: Role, consent: String? = "2026-11") -> Principal {
        Principal(userID: "u", login: "l", role: role, organisationID: nil, sessionID: "s", consentVersion: consent)
    }

    @Test(arguments: Role.allCases)
    func onlyAdminsManageUsersAndOrganisations(role: Role) {
        #expect(ManageUsersRule().permits(principal(role)) == (role == .admin))
        #expect(ManageOrganisationsRule().permits(principal(role)) == (role == .admin))
    }

    @Test(arguments: Role.allCases)
    func dpoAndAdminReadTheAuditLog(role: Role) {
        #expect(ReadAuditRule().permits(principal(role)) == [.dpo, .admin].contains(role))
    }

    @Test(arguments: Role.allCases)
    func consentMustBeTheCurrentVersion(role: Role) {
        let rule = ConsentRule(currentVersion: "2026-11")
        #expect(rule.permits(principal(role, consent: "2026-11")))
        #expect(!rule.permits(principal(role, consent: "2025-01")))
        #expect(!rule.permits(principal(role, consent: nil)))
    }

    @Test func deniedRulesThrowForbidden() {
        #expect(throws: PostboxError.self) { try ManageUsersRule().require(principal(.broker)) }
        #expect(throws: Never.self) { try ManageUsersRule().require(principal(.admin)) }
    }
}

@Suite("Ticket rules as a role × action × ownership matrix")
struct TicketRuleMatrixTests {
    enum Ownership: CaseIterable { case own, foreign }

    func principal(_ role: Role) -> Principal {
        Principal(
            userID: "me", login: "me", role: role, organisationID: role == .broker ? "org-me" : nil, sessionID: "s",
            consentVersion: "v", subjectID: role == .member ? "subject-me" : nil)
    }

    /// A ticket that is the principal's own (by the role's notion of ownership) or someone else's.
    func ticket(for role: Role, _ ownership: Ownership) -> TicketScope {
        let own = ownership == .own
        switch role {
        case .member:
            return TicketScope(ticketID: "t", referenceKind: .contract, referenceOrganisationID: nil, referenceAdvisorID: nil,
                               subjectID: own ? "subject-me" : "subject-other", assigneeID: "adv")
        case .broker:
            return TicketScope(ticketID: "t", referenceKind: .referral, referenceOrganisationID: own ? "org-me" : "org-other",
                               referenceAdvisorID: nil, subjectID: "x", assigneeID: nil)
        case .advisor:
            return TicketScope(ticketID: "t", referenceKind: .contract, referenceOrganisationID: nil, referenceAdvisorID: nil,
                               subjectID: "x", assigneeID: own ? "me" : "someone-else")
        case .dpo, .admin:
            return TicketScope(ticketID: "t", referenceKind: .contract, referenceOrganisationID: nil, referenceAdvisorID: nil,
                               subjectID: "x", assigneeID: nil)
        }
    }

    @Test(arguments: Role.allCases, Ownership.allCases)
    func readReplyManage(role: Role, ownership: Ownership) {
        let p = principal(role)
        let t = ticket(for: role, ownership)
        let own = ownership == .own
        let expected: (read: Bool, reply: Bool, manage: Bool) =
            switch role {
            case .member, .broker: (own, own, false)
            case .advisor: (own, own, own)
            case .dpo: (true, false, false)
            case .admin: (false, false, false)
            }
        #expect(ReadTicketRule().permits(p, t) == expected.read)
        #expect(ReplyTicketRule().permits(p, t) == expected.reply)
        #expect(ManageTicketRule().permits(p, t) == expected.manage)
    }

    @Test(arguments: Role.allCases)
    func restrictedSubjectsAreVisibleToTheDPOOnly(role: Role) {
        var t = ticket(for: role, .own)
        t.restricted = true
        #expect(ReadTicketRule().permits(principal(role), t) == (role == .dpo))
    }

    @Test func advisorsSeeUnassignedTicketsAndTicketsOnContractsTheyAdvise() {
        let advisor = principal(.advisor)
        let unassigned = TicketScope(ticketID: "t", referenceKind: .contract, referenceOrganisationID: nil,
                                     referenceAdvisorID: nil, subjectID: nil, assigneeID: nil)
        let advised = TicketScope(ticketID: "t", referenceKind: .contract, referenceOrganisationID: nil,
                                  referenceAdvisorID: "me", subjectID: nil, assigneeID: "other")
        #expect(ReadTicketRule().permits(advisor, unassigned))
        #expect(ReadTicketRule().permits(advisor, advised))
    }

    @Test(arguments: Role.allCases)
    func openingTicketsOnReferences(role: Role) {
        let p = principal(role)
        let ownContract = ReferenceScope(kind: .contract, organisationID: nil, advisorID: nil, subjectID: "subject-me")
        let ownReferral = ReferenceScope(kind: .referral, organisationID: "org-me", advisorID: nil, subjectID: "x")
        let foreignReferral = ReferenceScope(kind: .referral, organisationID: "org-other", advisorID: nil, subjectID: "x")
        #expect(OpenTicketRule().permits(p, ownContract) == [.member, .advisor].contains(role))
        #expect(OpenTicketRule().permits(p, ownReferral) == [.broker, .advisor].contains(role))
        #expect(OpenTicketRule().permits(p, foreignReferral) == (role == .advisor))
        #expect(ReadReferralRule().permits(p, ownReferral) == [.broker, .advisor, .dpo].contains(role))
        #expect(ReadReferralRule().permits(p, foreignReferral) == [.advisor, .dpo].contains(role))
        #expect(CreateReferralRule().permits(p) == (role == .broker))
        #expect(RegisterContractRule().permits(p) == [.advisor, .admin].contains(role))
    }
}
