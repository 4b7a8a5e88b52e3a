import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The directory holding the built executables (`postbox-server`, `postbox`) next to the test bundle.
public enum BuildProducts {
    public static var directory: String {
        if let override = ProcessInfo.processInfo.environment["POSTBOX_BIN_DIR"] { return override }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On macOS the runner sits inside the .xctest bundle.
        while !FileManager.default.fileExists(atPath: url.appendingPathComponent("postbox-server").path),
            url.pathComponents.count > 1
        {
            url.deleteLastPathComponent()
        }
        return url.path
    }

    public static func executable(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
}

/// Output of a finished process.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs an executable to completion with optional standard input.
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: String? = nil
) async throws -> ProcessResult {
    let dir = try TemporaryDirectory(prefix: "postbox-proc")
    defer { dir.remove() }
    let outPath = dir.file("out"), errPath = dir.file("err")
    guard FileManager.default.createFile(atPath: outPath, contents: nil),
        FileManager.default.createFile(atPath: errPath, contents: nil)
    else { throw ProcessFailure("cannot create \(outPath) or \(errPath)") }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
    let input = Pipe()
    process.standardInput = input
    let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do {
            try process.run()
            if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
            try? input.fileHandleForWriting.close()
        } catch {
            continuation.resume(throwing: error)
        }
    }
    let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
    return ProcessResult(status: status, stdout: read(outPath), stderr: read(errPath))
}

/// A `postbox-server` child process on a fresh data directory, listening on a free port.
public final class ServerProcess: Sendable {
    public let dataDirectory: String
    public let baseURL: String
    public let caFile: String
    public let adminLogin: String
    public let activationCode: String
    public let logFile: String
    private let process: Process
    private let workDirectory: TemporaryDirectory
    private let environment: [String: String]

    /// Runs `postbox-server init --json` and `serve --port 0`, and waits until it listens.
    public static func start(environment: [String: String] = [:]) async throws -> ServerProcess {
        let work = try TemporaryDirectory(prefix: "postbox-server")
        let dataDir = work.file("data")
        let server = BuildProducts.executable("postbox-server")
        let initResult = try await runProcess(server, ["init", "--data-dir", dataDir, "--json"])
        guard initResult.status == 0,
            let json = try JSONSerialization.jsonObject(with: Data(initResult.stdout.utf8)) as? [String: String],
            let login = json["adminLogin"], let code = json["activationCode"], let ca = json["caFile"]
        else { throw ProcessFailure("init failed: \(initResult.stderr)") }

        return try await launch(
            dataDirectory: dataDir, caFile: ca, adminLogin: login, activationCode: code, work: work,
            environment: environment)
    }

    /// Starts `postbox-server serve` on `dataDirectory` and waits until it listens.
    private static func launch(
        dataDirectory dataDir: String, caFile ca: String, adminLogin login: String, activationCode code: String,
        work: TemporaryDirectory, environment: [String: String]
    ) async throws -> ServerProcess {
        let server = BuildProducts.executable("postbox-server")
        let logFile = work.file("server-\(UUID().uuidString.prefix(8)).log")
        guard FileManager.default.createFile(atPath: logFile, contents: nil) else {
            throw ProcessFailure("cannot create \(logFile)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: server)
        process.arguments = ["serve", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardOutput = log
        process.standardError = log
        try process.run()

        // The server logs `url=https://127.0.0.1:PORT` once it listens.
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = String(decoding: FileManager.default.contents(atPath: logFile) ?? Data(), as: UTF8.self)
            if let range = text.range(of: #"url=https://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) {
                let url = String(text[range].dropFirst("url=".count))
                return ServerProcess(
                    dataDirectory: dataDir, baseURL: url.replacingOccurrences(of: "127.0.0.1", with: "localhost"),
                    caFile: ca, adminLogin: login, activationCode: code, logFile: logFile, process: process, work: work,
                    environment: environment)
            }
            if !process.isRunning { throw ProcessFailure("server exited: \(text)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw ProcessFailure("server did not start listening within 60 s")
    }

    /// The server's log lines at level error and above (to say why a request failed).
    public var errorLines: [String] {
        String(decoding: FileManager.default.contents(atPath: logFile) ?? Data(), as: UTF8.self)
            .split(separator: "\n").filter { $0.contains(" error ") || $0.contains(" critical ") }.map(String.init)
    }

    /// Kills the server with SIGKILL (no chance to flush anything) and waits until it is gone.
    public func kill() {
        if process.isRunning {
            _ = Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// A new server process on the same data directory (after ``kill()``); the data directory
    /// stays owned by the first process object, whose ``stop()`` removes it.
    public func restart() async throws -> ServerProcess {
        try await Self.launch(
            dataDirectory: dataDirectory, caFile: caFile, adminLogin: adminLogin, activationCode: activationCode,
            work: workDirectory, environment: environment)
    }

    private init(
        dataDirectory: String, baseURL: String, caFile: String, adminLogin: String, activationCode: String,
        logFile: String, process: Process, work: TemporaryDirectory, environment: [String: String]
    ) {
        self.environment = environment
        self.dataDirectory = dataDirectory
        self.baseURL = baseURL
        self.caFile = caFile
        self.adminLogin = adminLogin
        self.activationCode = activationCode
        self.logFile = logFile
        self.process = process
        self.workDirectory = work
    }

    /// Everything the server logged so far.
    public var log: String { String(decoding: FileManager.default.contents(atPath: logFile) ?? Data(), as: UTF8.self) }

    /// Sends SIGTERM, waits for exit, returns the exit status, and removes the data directory.
    @discardableResult
    public func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        workDirectory.remove()
        return process.terminationStatus
    }
}

/// A child process did not do what a test needed.
public struct ProcessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
