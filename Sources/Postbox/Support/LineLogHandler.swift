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
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: Output

    /// A handler writing to standard output.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil) {
        self.init(label: label, fileDescriptor: STDOUT_FILENO, metadataProvider: metadataProvider)
    }

    /// A handler writing to `fileDescriptor`, which must stay open while the handler is used.
    public init(label: String, fileDescriptor: Int32, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.output = Output(fileDescriptor: fileDescriptor)
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var line: [UInt8] = []
        line.reserveCapacity(160 + merged.count * 32)
        CivilTime.parts(Date()).append(to: &line, separator: UInt8(ascii: "T"), milliseconds: false)
        line.append(contentsOf: "+0000 \(event.level) \(label):".utf8)
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: key.utf8)
            line.append(UInt8(ascii: "="))
            line.append(contentsOf: value.description.utf8)
        }
        line.append(contentsOf: " [\(event.source)] \(event.message)\n".utf8)
        output.write(line)
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
