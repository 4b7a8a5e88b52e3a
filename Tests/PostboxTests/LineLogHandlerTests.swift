import Foundation
import Logging
import Testing

@testable import Postbox

@Suite("Log lines")
struct LineLogHandlerTests {
    /// Logs through a handler writing into a temporary file and returns the lines written.
    func lines(_ body: (Int32) throws -> Void) throws -> [String] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        let fd = open(path, O_CREAT | O_WRONLY | O_APPEND, 0o600)
        try #require(fd >= 0)
        defer { unlink(path) }
        try body(fd)
        close(fd)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        return text.split(separator: "\n").map(String.init)
    }

    @Test func writesTheLayoutOfStreamLogHandlerInUTC() throws {
        let written = try lines { fd in
            var logger = Logger(label: "postbox") { LineLogHandler(label: $0, fileDescriptor: fd) }
            logger[metadataKey: "client.ip"] = "127.0.0.0/24"
            logger[metadataKey: "a.first"] = "1"
            logger.info("request", metadata: ["http.status": "201"], source: "PostboxServer")
            logger.debug("not at info level")
            logger[metadataKey: "client.ip"] = nil
            logger.notice("listening", source: "PostboxServer")
        }
        #expect(written.count == 2)
        let pattern = #/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\+0000 info postbox: a\.first=1 client\.ip=127\.0\.0\.0\/24 http\.status=201 \[PostboxServer\] request$/#
        let match = try #require(written[0].wholeMatch(of: pattern), "\(written[0])")
        // The time is now, in UTC.
        let formatter = ISO8601DateFormatter()
        let stamped = try #require(formatter.date(from: String(match.1) + "Z"))
        #expect(abs(stamped.timeIntervalSinceNow) < 5)
        #expect(written[1].hasSuffix("+0000 notice postbox: a.first=1 [PostboxServer] listening"), "\(written[1])")
    }

    @Test func metadataIsAValuePerLogger() throws {
        let written = try lines { fd in
            var first = Logger(label: "postbox") { LineLogHandler(label: $0, fileDescriptor: fd) }
            var second = first
            first[metadataKey: "request"] = "one"
            second[metadataKey: "request"] = "two"
            first.info("a")
            second.info("b")
        }
        #expect(written.count == 2)
        #expect(written[0].hasSuffix("postbox: request=one [PostboxTests] a"), "\(written[0])")
        #expect(written[1].hasSuffix("postbox: request=two [PostboxTests] b"), "\(written[1])")
    }

    /// A key set on the logger, by the metadata provider and on the event is written once, with
    /// the event's value over the provider's over the logger's; every key in order.
    @Test func laterMetadataReplacesEarlierOfTheSameKey() throws {
        let written = try lines { fd in
            let provider = Logger.MetadataProvider { ["shared": "provider", "provided": "p", "both": "provider"] }
            var logger = Logger(label: "postbox") {
                LineLogHandler(label: $0, fileDescriptor: fd, metadataProvider: provider)
            }
            logger[metadataKey: "shared"] = "logger"
            logger[metadataKey: "zeta"] = "z"
            logger[metadataKey: "both"] = "logger"
            logger[metadataKey: "count"] = .stringConvertible(42)
            logger.warning("w", metadata: ["shared": "event", "alpha": ["x", "y"]], source: "S")
        }
        #expect(written.count == 1)
        #expect(
            written[0].hasSuffix(
                #"+0000 warning postbox: alpha=["x", "y"] both=provider count=42 provided=p shared=event zeta=z [S] w"#
            ),
            "\(written[0])")
    }

    /// Setting a key on a request's logger (the request id, the client address) copies the
    /// handler; one that fits in the existential's three inline words needs no box of its own.
    @Test func theHandlerFitsALoggersExistentialInline() {
        #expect(MemoryLayout<LineLogHandler>.size <= 3 * MemoryLayout<Int>.size)
    }

    @Test func concurrentLinesNeverInterleave() async throws {
        let padding = String(repeating: "x", count: 3_000)
        let written = try lines { fd in
            let logger = Logger(label: "postbox") { LineLogHandler(label: $0, fileDescriptor: fd) }
            DispatchQueue.concurrentPerform(iterations: 8) { worker in
                for n in 0..<250 { logger.info("\(worker)-\(n)-\(padding)") }
            }
        }
        #expect(written.count == 2_000)
        let intact = written.filter { $0.contains("info postbox: [PostboxTests] ") && $0.hasSuffix(padding) }
        #expect(intact.count == 2_000)
    }
}
