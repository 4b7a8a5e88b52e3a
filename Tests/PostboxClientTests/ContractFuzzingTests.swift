import Foundation
import PostboxTestSupport
import Testing

/// schemathesis (from PyPI, installed by `make test`) against the live TLS server, once with a
/// valid token of every role: every operation of openapi.yaml, generated valid and invalid
/// requests; no 5xx, no answer the document does not allow, nothing that hangs.
///
/// `positive_data_acceptance` is not run: the server validates more than JSON Schema can say
/// (no control characters in text, opaque cursors, the current terms version, existing
/// advisors, CSV headers), so "valid by the schema" is not "valid". Every other check is.
@Suite("Contract fuzzing with schemathesis")
struct ContractFuzzingTests {
    static var schemathesis: String {
        ProcessInfo.processInfo.environment["POSTBOX_SCHEMATHESIS"]
            ?? FileManager.default.currentDirectoryPath + "/.build/tools-venv/bin/schemathesis"
    }
    static let examples = Int(ProcessInfo.processInfo.environment["POSTBOX_FUZZ_EXAMPLES"] ?? "") ?? 25
    static let checks = [
        "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
        "response_schema_conformance", "negative_data_rejection", "missing_required_header", "unsupported_method",
        "ignored_auth", "use_after_free", "ensure_resource_availability",
    ].joined(separator: ",")

    /// The failures section (operation, check, reproduction), long lines cut: request bodies of
    /// generated text can run to thousands of characters and hide the rest.
    static func report(_ output: String) -> String {
        let section = output.range(of: "FAILURES").map { String(output[$0.lowerBound...]) } ?? output
        let lines = section.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.count > 300 ? $0.prefix(300) + "…" : $0 }
        return String(lines.joined(separator: "\n").prefix(8000))
    }

    @Test func everyRoleAgainstEveryOperation() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.schemathesis) else {
            Issue.record("schemathesis is missing at \(Self.schemathesis): run `make test` (or `make test-deps`)")
            return
        }
        let server = try await ServerProcess.start(environment: ["POSTBOX_ENTRIES_PER_MINUTE": "0"])
        defer { server.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let initFile = dir.file("init.json")
        try JSONSerialization.data(withJSONObject: [
            "adminLogin": server.adminLogin, "activationCode": server.activationCode, "caFile": server.caFile,
        ]).write(to: URL(fileURLWithPath: initFile))
        let port = try #require(server.baseURL.split(separator: ":").last.map(String.init))
        let setup = try await runProcess(
            "/usr/bin/env", ["python3", FileManager.default.currentDirectoryPath + "/scripts/fuzz-accounts.py", initFile, port])
        #expect(setup.status == 0, "\(setup.stderr)")
        let accounts = try #require(try JSONSerialization.jsonObject(with: Data(setup.stdout.utf8)) as? [String: Any])
        let tokens = try #require(accounts["tokens"] as? [String: String])
        let document = FileManager.default.currentDirectoryPath + "/openapi.yaml"

        var total = 0
        // Logging out and withdrawing consent end the session the other operations use: they run last.
        let runs: [(role: String, filters: [String])] =
            ["admin", "advisor", "broker", "member", "dpo"].map { ($0, ["--exclude-operation-id", "logout", "--exclude-operation-id", "withdrawConsent"]) }
            + [("member", ["--include-operation-id", "logout", "--include-operation-id", "withdrawConsent"])]
        for (role, filters) in runs {
            let token = try #require(tokens[role])
            let result = try await runProcess(
                Self.schemathesis,
                [
                    "run", document, "--url", server.baseURL, "-H", "Authorization: Bearer \(token)", "--tls-verify",
                    server.caFile, "--checks", Self.checks, "-n", String(Self.examples), "--workers", "2",
                    "--phases", "examples,coverage,fuzzing", "--request-timeout", "10", "--no-color",
                ] + filters)
            #expect(result.status == 0, "schemathesis as \(role):\n\(Self.report(result.stdout))")
            if let match = result.stdout.range(of: #"([0-9]+) generated"#, options: .regularExpression) {
                total += Int(result.stdout[match].split(separator: " ").first ?? "") ?? 0
            }
        }
        #expect(total > 5 * 1000, "enough requests to matter (\(total))")
        #expect(!server.log.contains("unexpected error"), "no request reached the generic 500 path")
        print("contract fuzzing: \(total) generated requests over 6 runs (5 roles), \(Self.examples) examples per operation and phase")
    }
}
