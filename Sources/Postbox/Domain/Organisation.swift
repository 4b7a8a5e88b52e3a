import Foundation

/// A partner organisation (a broker firm) with its partner number.
public struct Organisation: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var partnerNumber: String
    public var createdAt: Date

    public init(id: String, name: String, partnerNumber: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.partnerNumber = partnerNumber
        self.createdAt = createdAt
    }
}

/// Partner organisations.
public protocol OrganisationRepository: Sendable {
    func create(name: String, partnerNumber: String, audit: AuditDraft) async throws -> Organisation
    func organisation(id: String) async throws -> Organisation?
    func all() async throws -> [Organisation]
}
