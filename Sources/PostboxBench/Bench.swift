import ArgumentParser
import Foundation
import Postbox

/// `postbox-bench`: the in-process benchmarks of issue 9 (C1 classifier, K1 crypto) and of
/// issue 6 (E1 export). Run from a release build: `make bench-core`.
@main
struct PostboxBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postbox-bench",
        abstract: "Classifier (C1) and crypto (K1) benchmarks on one core; the Art. 15 export (E1).")

    @Option(help: "JSON lines with a \"text\" field: the mixed German/English corpus.")
    var corpus: [String] = []

    @Option(help: "Seconds per throughput measurement.")
    var seconds: Double = 3

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "Single-message calls for the latency percentiles.")
    var latencyCalls = 20_000

    @Option(help: "Messages in the subject the export benchmark exports (0 skips it).")
    var exportMessages = 10_000

    @Option(help: "Seed this initialised data directory instead of benchmarking (with --seed-messages).")
    var seedDataDir: String?

    @Option(help: "Messages to seed: 100 per ticket, 2 tickets per subject.")
    var seedMessages = 1_000_000

    struct Result: Encodable {
        let name: String
        let value: Double
        let unit: String
        let note: String
    }

    func run() async throws {
        if let seedDataDir { return try seed(dataDirectory: seedDataDir) }
        let texts = try loadTexts()
        guard !texts.isEmpty else { throw ValidationError("no texts in the corpus files") }
        var results: [Result] = []
        results += classifier(texts)
        results += crypto()
        if exportMessages > 0 { results += try await ExportBench(messages: exportMessages, texts: kibMessages(texts)).run() }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
        } else {
            print("benchmark".padding(toLength: 44, withPad: " ", startingAt: 0) + "value".padding(toLength: 16, withPad: " ", startingAt: 0) + "note")
            for r in results {
                let value = String(format: r.value >= 100 ? "%.0f %@" : "%.2f %@", r.value, r.unit)
                print(r.name.padding(toLength: 44, withPad: " ", startingAt: 0) + value.padding(toLength: 16, withPad: " ", startingAt: 0) + r.note)
            }
        }
    }

    /// Fills a data directory made by `postbox-server init` (server stopped) through the core library.
    func seed(dataDirectory: String) throws {
        let directory = URL(fileURLWithPath: dataDirectory)
        let ring = try KeyFile.load(path: directory.appendingPathComponent("master.key").path)
        let store = try PostboxStore.open(
            path: directory.appendingPathComponent("postbox.sqlite").path, keyRing: ring,
            configuration: StoreConfiguration(synchronous: .normal))
        let tickets = max(1, seedMessages / 100)
        let plan = BulkSeeder.Plan(subjects: max(1, tickets / 2), ticketsPerSubject: 2, messagesPerTicket: 100)
        let clock = ContinuousClock()
        let started = clock.now
        try BulkSeeder.seed(store, plan: plan) { written in
            if written % 100_000 < 10_000 { FileHandle.standardError.write(Data("seeded \(written) messages\n".utf8)) }
        }
        try store.checkpoint()
        let seconds = (clock.now - started).seconds
        print("seeded \(plan.subjects) subjects, \(plan.subjects * 2) tickets, \(plan.subjects * 200) messages in \(String(format: "%.1f", seconds)) s")
    }

    func loadTexts() throws -> [String] {
        var texts: [String] = []
        for path in corpus {
            let content = try String(contentsOfFile: path, encoding: .utf8)
            for line in content.split(separator: "\n") {
                if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let text = object["text"] as? String
                {
                    texts.append(text)
                }
            }
        }
        return texts
    }

    /// Messages of about 1 KiB made by joining corpus texts in order.
    func kibMessages(_ texts: [String]) -> [String] {
        var messages: [String] = []
        var current = ""
        for text in texts + texts + texts {
            current += current.isEmpty ? text : "\n" + text
            if current.utf8.count >= 1024 {
                messages.append(String(decoding: current.utf8.prefix(1024), as: UTF8.self))
                current = ""
            }
        }
        return messages
    }

    func classifier(_ texts: [String]) -> [Result] {
        let classifier = SpecialCategoryClassifier.standard
        let messages = kibMessages(texts)
        let bytes = messages.reduce(0) { $0 + $1.utf8.count }
        var flagged = 0
        for m in messages.prefix(50) where !classifier.classify(m).isEmpty { flagged += 1 }  // warm up
        let clock = ContinuousClock()
        var processed = 0
        let start = clock.now
        while clock.now - start < .seconds(seconds) {
            for m in messages { flagged &+= classifier.classify(m).findings.count }
            processed += bytes
        }
        let elapsed = clock.now - start
        let mbps = Double(processed) / 1_000_000 / elapsed.seconds

        var latencies: [Double] = []
        latencies.reserveCapacity(latencyCalls)
        while latencies.count < latencyCalls {
            for m in messages where latencies.count < latencyCalls {
                let t0 = clock.now
                flagged &+= classifier.classify(m).findings.count
                latencies.append((clock.now - t0).seconds * 1_000_000)
            }
        }
        latencies.sort()
        let p50 = latencies[latencies.count / 2]
        let p99 = latencies[latencies.count * 99 / 100]
        return [
            Result(name: "C1 classify throughput (1 core)", value: mbps, unit: "MB/s", note: "\(messages.count) messages of 1 KiB, mixed de/en (checksum \(flagged % 10))"),
            Result(name: "C1 classify 1 KiB p50", value: p50, unit: "µs", note: "\(latencyCalls) calls"),
            Result(name: "C1 classify 1 KiB p99", value: p99, unit: "µs", note: "target < 50 µs"),
        ]
    }

    func crypto() -> [Result] {
        let key = SecretKey.random()
        let payload = String(repeating: "Schadenmeldung Frontscheibe. ", count: 36).prefix(1024)
        let text = String(payload)
        let location = FieldLocation(table: "messages", rowID: "bench", field: "body")
        let clock = ContinuousClock()
        var count = 0
        var start = clock.now
        while clock.now - start < .seconds(seconds) {
            for _ in 0..<1000 {
                let sealed = key.seal(text, at: location)
                if (try? key.openText(sealed, at: location)) != nil { count += 1 }
            }
        }
        let sealOpen = Double(count) / (clock.now - start).seconds

        let ring = (try? KeyRing(entries: [.init(id: "bench", key: .random())]))
        var unwraps = 0
        if let ring {
            let wrapped = ring.wrap(.random(), dataKeyID: "dek")
            start = clock.now
            while clock.now - start < .seconds(seconds) {
                for _ in 0..<1000 where (try? ring.unwrap(wrapped, dataKeyID: "dek")) != nil { unwraps += 1 }
            }
        }
        let unwrapRate = Double(unwraps) / (clock.now - start).seconds

        return [
            Result(name: "K1 field encrypt+decrypt 1 KiB (1 core)", value: sealOpen, unit: "ops/s", note: "XChaCha20-Poly1305, AD bound"),
            Result(name: "K1 data-key unwrap (1 core)", value: unwrapRate, unit: "ops/s", note: "32-byte DEK under the master key"),
        ]
    }
}

extension Duration {
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
