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
    /// Does not throw: the names decorate answers that often follow a committed write (a post,
    /// a review decision), which must not turn into an error the client would retry. Should
    /// the read fail, the names it was to find are left out; the origins keep their ids.
    public func names(for origins: some Sequence<Origin>) async -> [String: String] {
        var found: [String: String] = [:]
        var missing: [String] = []
        known.withLock { known in
            for case let id? in origins.lazy.map(\.organisationID) where found[id] == nil {
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
