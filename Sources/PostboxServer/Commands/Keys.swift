import ArgumentParser
import Foundation
import Postbox

extension PostboxServerCommand {
    /// `postbox-server keys rotate`: a new master key; every data key is rewrapped, data is not re-encrypted.
    struct Keys: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Manage master keys.", subcommands: [Rotate.self])

        struct Rotate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a new master key, rewrap every data key under it in one transaction, retire the old ones.",
                discussion: """
                    The new key is written to the key file first (the old keys stay in it), then all data keys are
                    rewrapped. A running server picks the new key up on its own. Back up the key file afterwards.
                    """)

            @OptionGroup var data: DataDirectoryOptions

            func run() async throws {
                restrictFileCreationMode()
                let summary = try await withStartupErrors {
                    try rotateMasterKey(
                        try ServerConfiguration.load(
                            dataDirectory: data.path, environment: ProcessInfo.processInfo.environment))
                }
                print(
                    "new master key \(summary.newKeyID); \(summary.rewrapped) data keys rewrapped; "
                        + "retired: \(summary.retired.joined(separator: ", "))")
            }
        }
    }
}

/// What a rotation did.
struct RotationSummary {
    let newKeyID: String
    let rewrapped: Int
    let retired: [String]
}

/// Adds a master key to the key file and rewraps every data key under it.
func rotateMasterKey(_ config: ServerConfiguration) throws -> RotationSummary {
    if let keys = config.environment[KeyFile.environmentVariable], !keys.isEmpty {
        throw ConfigurationError(
            "master keys come from \(KeyFile.environmentVariable); rotate them in your secret store (prepend a new id:key)")
    }
    let old = try KeyFile.load(path: config.keyFilePath)
    // Prove the current keys open this database before changing anything.
    _ = try PostboxStore.open(path: config.databasePath, keyRing: old, configuration: config.store)
    let rotated = old.rotated(newID: KeyFile.newKeyID(), createdAt: ISO8601DateFormatter().string(from: Date()))
    try KeyFile.write(rotated, to: config.keyFilePath)
    let store = try PostboxStore.open(path: config.databasePath, keyRing: rotated, configuration: config.store)
    let count = try store.rewrapDataKeys(
        audit: AuditDraft(userID: nil, role: nil, action: .keysRotated, objectType: "master_key", objectID: rotated.active.id,
                          ipPrefix: nil))
    return RotationSummary(newKeyID: rotated.active.id, rewrapped: count, retired: old.entries.map(\.id))
}
