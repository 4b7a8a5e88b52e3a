import Foundation
import Logging
import Synchronization

/// The server's log handler: one line per event, written with one `write(2)`, in the layout of
/// swift-log's `StreamLogHandler` (`2026-11-22T20:30:50+0000 info postbox: key=value [source]
/// message`), always in UTC.
///
/// `StreamLogHandler` renders all metadata again whenever a key is set (Hummingbird sets the
/// request id on every request, the server the client address) and formats its time through
/// `localtime`, which takes glibc's time-zone lock: 5% of the CPU of a post went to the access
/// log. This handler keeps the metadata as it is until a line is written, renders the time with
/// ``CivilTime``, and builds the line in one buffer.
///
/// What reaches the log is the caller's business; the server logs no content, tokens, keys or
/// full addresses (docs/SECURITY.md).
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    /// What does not change per logger, in one reference: the handler then fits in a `Logger`'s
    /// existential inline (three words), so setting a key on a request's logger copies no box.
    private var fixed: Fixed

    public var metadataProvider: Logger.MetadataProvider? {
        get { fixed.metadataProvider }
        set { fixed = Fixed(label: fixed.label, output: fixed.output, metadataProvider: newValue) }
    }

    /// A handler writing to standard output.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, fileDescriptor: STDOUT_FILENO, metadataProvider: metadataProvider)
    }

    /// A handler writing to `fileDescriptor`, which must stay open while the handler is used.
    public init(label: String, fileDescriptor: Int32, metadataProvider: Logger.MetadataProvider? = nil) {
        fixed = Fixed(label: label, output: Output(fileDescriptor: fileDescriptor), metadataProvider: metadataProvider)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // The logger's, the provider's and the event's metadata, each key once with the value of
        // the latest source, in key order: sorted by key and source, the last of each key kept
        // (no merged dictionary to hash into).
        let provided = fixed.metadataProvider?.get()
        var entries: [(key: String, source: Int, value: Logger.MetadataValue)] = []
        entries.reserveCapacity(metadata.count + (provided?.count ?? 0) + (event.metadata?.count ?? 0))
        for (key, value) in metadata { entries.append((key, 0, value)) }
        if let provided { for (key, value) in provided { entries.append((key, 1, value)) } }
        if let own = event.metadata { for (key, value) in own { entries.append((key, 2, value)) } }
        entries.sort { $0.key != $1.key ? $0.key < $1.key : $0.source < $1.source }

        var line: [UInt8] = []
        line.reserveCapacity(160 + entries.count * 32)
        CivilTime.parts(Date()).append(to: &line, separator: UInt8(ascii: "T"), milliseconds: false)
        line.append(contentsOf: "+0000 ".utf8)
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(UInt8(ascii: " "))
        line.append(contentsOf: fixed.label.utf8)
        line.append(UInt8(ascii: ":"))
        for index in entries.indices where index == entries.count - 1 || entries[index + 1].key != entries[index].key {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: entries[index].key.utf8)
            line.append(UInt8(ascii: "="))
            line.append(contentsOf: entries[index].value.description.utf8)
        }
        line.append(contentsOf: " [".utf8)
        line.append(contentsOf: event.source.utf8)
        line.append(contentsOf: "] ".utf8)
        line.append(contentsOf: event.message.description.utf8)
        line.append(UInt8(ascii: "\n"))
        fixed.output.write(line)
    }

    private final class Fixed: Sendable {
        let label: String
        let output: Output
        let metadataProvider: Logger.MetadataProvider?

        init(label: String, output: Output, metadataProvider: Logger.MetadataProvider?) {
            self.label = label
            self.output = output
            self.metadataProvider = metadataProvider
        }
    }

    /// The descriptor, with a lock so that lines from concurrent requests never interleave even
    /// when the kernel takes a line in parts.
    private final class Output: Sendable {
        let fileDescriptor: Int32
        let lock = Mutex(())

        init(fileDescriptor: Int32) {
            self.fileDescriptor = fileDescriptor
        }

        func write(_ bytes: [UInt8]) {
            lock.withLock { _ in
                bytes.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let written = Foundation.write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                        if written > 0 {
                            offset += written
                        } else if written < 0 && errno == EINTR {
                            continue
                        } else {
                            return  // a closed or full output loses the line, never the request
                        }
                    }
                }
            }
        }
    }
}
