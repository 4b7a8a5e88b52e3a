import Foundation
import GRDB
import Testing

@testable import Postbox

@Suite("Organisation names for origins")
struct OrganisationNamesTests {
    func origin(_ organisationID: String?) -> Origin {
        Origin(authorID: nil, role: .broker, organisationID: organisationID, channel: "web", ipPrefix: nil, createdAt: Date())
    }

    @Test func namesAreReadOnceAndOrganisationsMadeLaterAreFound() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let organisations = GRDBOrganisationRepository(store: temporary.store)
        let audit = AuditDraft(userID: nil, role: .admin, action: .organisationCreated, ipPrefix: nil)
        let alpha = try await organisations.create(name: "Makler Alpha GmbH", partnerNumber: "P-A", audit: audit)
        let names = OrganisationNames(store: temporary.store)

        let first = await names.names(for: [origin(alpha.id), origin(nil), origin("no-such-id"), origin(alpha.id)])
        #expect(first == [alpha.id: "Makler Alpha GmbH"], "no entry for no organisation or an unknown id")

        // Made after the first lookup: an id not seen before is read.
        let beta = try await organisations.create(name: "Makler Beta KG", partnerNumber: "P-B", audit: audit)
        #expect(await names.names(for: [origin(beta.id), origin(alpha.id)]) == [alpha.id: "Makler Alpha GmbH", beta.id: "Makler Beta KG"])

        // A name once read is not read again: with the row gone (which nothing in Postbox does),
        // the cached name is still given.
        try await temporary.store.writer.write { db in
            try db.execute(sql: "DELETE FROM organisations")
        }
        #expect(await names.names(for: [origin(alpha.id)]) == [alpha.id: "Makler Alpha GmbH"])
        #expect(await names.names(for: []) == [:])

        // A read that fails leaves out what it was to find, and does not throw: the names often
        // decorate the answer to a write that is already committed.
        try await temporary.store.writer.write { db in try db.execute(sql: "DROP TABLE organisations") }
        #expect(await names.names(for: [origin(alpha.id), origin("unseen")]) == [alpha.id: "Makler Alpha GmbH"])
    }
}
