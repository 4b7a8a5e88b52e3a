import GRDB
import Synchronization

/// Organisation names by id, for the origins the API shows (`origin.organisationName`).
///
/// Organisations are created and never renamed or deleted (no endpoint or command changes
/// one), so a name once read stays right for the life of the process: a page of fifty messages
/// from known organisations costs fifty dictionary lookups, and ids not seen before are read
/// in one statement. Should organisations ever be renamed, this must be emptied on commit the
/// way ``SessionCache`` is. The names are the firms' (brokers'), not personal data.
public final class OrganisationNames: Sendable {
    private let store: PostboxStore
    private let known = Mutex<[String: String]>([:])

    public init(store: PostboxStore) {
        self.store = store
    }

    /// The names of the organisations `origins` name (an id with no organisation is left out).
    ///
    /// For a page of entries, pass their ids (``names(ofOrganisations:)``): a generic sequence of
    /// origins is not specialised across modules, and walking a page's origins through its
    /// witnesses copied every message (3.5% of the CPU of reading a page of fifty).
    public func names(for origins: [Origin]) async -> [String: String] {
        await names(ofOrganisations: origins.compactMap(\.organisationID))
    }

    /// The names of the organisations with the given ids (ids repeat as the authors of a thread do).
    ///
    /// Does not throw: the names decorate answers that often follow a committed write (a post,
    /// a review decision), which must not turn into an error the client would retry. Should
    /// the read fail, the names it was to find are left out; the origins keep their ids.
    public func names(ofOrganisations ids: [String]) async -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        var found: [String: String] = [:]
        var missing: [String] = []
        known.withLock { known in
            var previous: String?
            for id in ids where id != previous {
                previous = id
                guard found[id] == nil else { continue }
                if let name = known[id] {
                    found[id] = name
                } else if !missing.contains(id) {
                    missing.append(id)
                }
            }
        }
        guard !missing.isEmpty else { return found }
        let read = try? await store.readStatement { [missing] db in
            let placeholders = Array(repeating: "?", count: missing.count).joined(separator: ", ")
            return try Row.fetchAll(
                db, sql: "SELECT id, name FROM organisations WHERE id IN (\(placeholders))",
                arguments: StatementArguments(missing)
            ).map { row -> (String, String) in (row[0], row[1]) }
        }
        guard let read else { return found }
        known.withLock { known in
            for (id, name) in read { known[id] = name }
        }
        for (id, name) in read { found[id] = name }
        return found
    }
}
