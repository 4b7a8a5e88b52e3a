import PostboxTestSupport

@testable import Postbox

/// A store on a fresh database in a temporary directory with a random master key, for tests of
/// the storage layer; ``remove()`` deletes the directory.
struct TemporaryStore {
    let directory: TemporaryDirectory
    let store: PostboxStore

    init() throws {
        directory = try TemporaryDirectory()
        store = try PostboxStore.open(
            path: directory.file("db.sqlite"), keyRing: try KeyRing(entries: [.init(id: "mk-test", key: .random())]))
    }

    func remove() { directory.remove() }
}
