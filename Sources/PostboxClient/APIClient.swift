import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A thin JSON client over AsyncHTTPClient that trusts exactly the configured CA.
struct APIClient {
    let baseURL: String
    let http: HTTPClient
    let token: String?

    /// Creates a client for `connection`. Verification is always full (chain and host name).
    init(connection: ConnectionOptions, token: String? = nil) throws {
        self.token = token
        baseURL = try connection.serverURL
        let caFile = try connection.caFile
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        } catch {
            throw CLIError(title: "Cannot read CA", detail: "\(caFile) is not a readable PEM certificate", exitCode: 1)
        }
        if let identity = try connection.clientIdentity {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(identity.certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: identity.key, format: .pem))
            } catch {
                throw CLIError(
                    title: "Cannot read client certificate",
                    detail: "\(identity.certificate) / \(identity.key) are not readable PEM files",
                    exitCode: 1)
            }
        }
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        // A refused handshake is not transient: fail at once instead of retrying until the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Tries for a request answered 503 `server-busy`: the server did nothing with it (too many
    /// password checks were running), so sending it again is safe.
    static let busyAttempts = 4
    /// Longest wait between tries, whatever Retry-After says.
    static let longestBusyWait = 10

    /// Sends a request; returns status and body, or throws a ``CLIError`` for network failures.
    /// An answer 503 `server-busy` is tried again after its Retry-After (a note on stderr says so),
    /// up to ``busyAttempts`` times in all; the last answer is returned as it is.
    func send(
        _ method: HTTPMethod, _ path: String, body: Data? = nil, contentType: String = "application/json",
        headers: [(String, String)] = []
    ) async throws -> (status: Int, body: Data) {
        var attempt = 1
        while true {
            let (status, data, retryAfter) = try await sendOnce(method, path, body: body, contentType: contentType, headers: headers)
            guard try await Self.waitedForBusyServer(status, data, retryAfter: retryAfter, attempt: &attempt) else {
                return (status, data)
            }
        }
    }

    /// For an answer 503 `server-busy` with tries left: notes on stderr, waits its Retry-After
    /// (at least 1 s, at most ``longestBusyWait``), counts the try and returns true.
    private static func waitedForBusyServer(_ status: Int, _ data: Data, retryAfter: Int?, attempt: inout Int) async throws
        -> Bool
    {
        guard status == 503, attempt < busyAttempts, isBusy(data) else { return false }
        let wait = min(max(retryAfter ?? 1, 1), longestBusyWait)
        FileHandle.standardError.write(Data("postbox: the server is busy; trying again in \(wait) s\n".utf8))
        try await Task.sleep(for: .seconds(wait))
        attempt += 1
        return true
    }

    /// Whether a problem answer is `server-busy`.
    static func isBusy(_ body: Data) -> Bool {
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        return (json?["type"] as? String)?.hasSuffix(":server-busy") == true
    }

    private func sendOnce(
        _ method: HTTPMethod, _ path: String, body: Data?, contentType: String, headers: [(String, String)]
    ) async throws -> (status: Int, body: Data, retryAfter: Int?) {
        var request = self.request(method, path)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await http.execute(request, timeout: .seconds(60))
            let buffer = try await response.body.collect(upTo: 64 << 20)
            return (
                Int(response.status.code), Data(buffer.readableBytesView),
                response.headers.first(name: "Retry-After").flatMap { Int($0) }
            )
        } catch {
            throw CLIError(title: "Server unreachable", detail: Self.describe(error), exitCode: 69)
        }
    }

    /// A request to `path` with the channel and the session's token.
    private func request(_ method: HTTPMethod, _ path: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "X-Postbox-Channel", value: "cli")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        return request
    }

    /// GETs `path` and streams a 200 answer's body, as it arrives, into `output` (a file with
    /// mode 0600, complete or not there: see ``PrivateFileWriter``) or to standard output, so
    /// that an export of any size passes through without being held in memory. Returns the
    /// bytes written. Other answers become a ``CLIError`` as in ``call(_:_:json:expect:)``;
    /// `server-busy` is tried again as in ``send(_:_:body:contentType:headers:)``.
    func download(_ path: String, to output: String?) async throws -> Int {
        var attempt = 1
        while true {
            let response: HTTPClientResponse
            do {
                response = try await http.execute(request(.GET, path), timeout: .seconds(60))
            } catch {
                throw CLIError(title: "Server unreachable", detail: Self.describe(error), exitCode: 69)
            }
            guard response.status == .ok else {
                let data: Data
                do {
                    data = Data(try await response.body.collect(upTo: 1 << 20).readableBytesView)
                } catch {
                    throw CLIError(title: "Server unreachable", detail: Self.describe(error), exitCode: 69)
                }
                let status = Int(response.status.code)
                let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }
                if try await Self.waitedForBusyServer(status, data, retryAfter: retryAfter, attempt: &attempt) { continue }
                throw problem(status, data)
            }
            let file = try output.map { try PrivateFileWriter(path: $0) }
            var written = 0
            do {
                for try await chunk in response.body {
                    if let file {
                        try file.write(chunk.readableBytesView)
                    } else {
                        FileHandle.standardOutput.write(Data(chunk.readableBytesView))
                    }
                    written += chunk.readableBytes
                }
            } catch let error as CLIError {
                file?.discard()
                throw error
            } catch {
                file?.discard()
                throw CLIError(
                    title: "Download interrupted", detail: "\(Self.describe(error)); nothing was written", exitCode: 69)
            }
            try file?.commit()
            return written
        }
    }

    /// Sends `json` (if any) and returns the body of an answer with one of `expect`'s statuses;
    /// any other answer becomes a ``CLIError`` with the problem's title and detail.
    func call(_ method: HTTPMethod, _ path: String, json: Any? = nil, expect: Set<Int> = [200]) async throws -> Data {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        let (status, data) = try await send(method, path, body: body)
        guard expect.contains(status) else { throw problem(status, data) }
        return data
    }

    /// ``call(_:_:json:expect:)`` decoded as a JSON object.
    func object(_ method: HTTPMethod, _ path: String, json: Any? = nil, expect: Set<Int> = [200]) async throws
        -> [String: Any]
    {
        let data = try await call(method, path, json: json, expect: expect)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CLIError(
                title: "Unexpected answer", detail: "the server did not answer with a JSON object", exitCode: 69)
        }
        return object
    }

    func shutdown() async {
        try? await http.shutdown()
    }

    /// Runs `body` with a client and shuts the client down afterwards, whatever happens.
    static func with<T>(
        _ connection: ConnectionOptions, token: String? = nil, _ body: (APIClient) async throws -> T
    ) async throws -> T {
        let client = try APIClient(connection: connection, token: token)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let ssl = error as? NIOSSLError { return "TLS failed (\(ssl))" }
        if error is NIOSSLExtraError { return "TLS failed: the server certificate is not trusted for this host" }
        return "\(error)"
    }
}

/// A failure shown as one line on stderr with a distinct exit status.
struct CLIError: Error, CustomStringConvertible {
    let title: String
    let detail: String
    let exitCode: Int32

    var description: String { "\(title): \(detail)" }
}
