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
