import Foundation
import PostboxTestSupport
import Testing

/// sslyze (from PyPI, installed by `make test`) against the real server: only TLS 1.2 and 1.3,
/// only the Mozilla "intermediate" suites, forward secrecy, a chain valid for the test CA, HSTS,
/// no compression, secure renegotiation only.
@Suite("TLS audit with sslyze")
struct TLSAuditTests {
    static var sslyze: String {
        ProcessInfo.processInfo.environment["POSTBOX_SSLYZE"]
            ?? FileManager.default.currentDirectoryPath + "/.build/tools-venv/bin/sslyze"
    }

    @Test func theServerMeetsMozillaIntermediateAndTheBasics() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.sslyze) else {
            Issue.record("sslyze is missing at \(Self.sslyze): run `make test` (or `make test-deps`)")
            return
        }
        let server = try await ServerProcess.start()
        defer { server.stop() }
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let out = dir.file("sslyze.json")
        let target = server.baseURL.replacingOccurrences(of: "https://", with: "")
        let scan = try await runProcess(
            Self.sslyze,
            [
                "--json_out=\(out)", "--certinfo_ca_file", server.caFile, "--mozilla_config", "intermediate", "--http_headers",
                "--compression", "--reneg", "--heartbleed", "--robot", "--openssl_ccs", "--fallback", "--elliptic_curves", target,
            ])
        #expect(scan.status == 0, "sslyze: not compliant with Mozilla intermediate:\n\(scan.stdout.suffix(1500))")
        let json = try #require(
            try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any])
        let result = try #require((json["server_scan_results"] as? [[String: Any]])?.first?["scan_result"] as? [String: Any])
        func accepted(_ key: String) -> [String] {
            let entry = (result[key] as? [String: Any])?["result"] as? [String: Any]
            return (entry?["accepted_cipher_suites"] as? [[String: Any]] ?? []).compactMap {
                ($0["cipher_suite"] as? [String: Any])?["name"] as? String
            }
        }
        for old in ["ssl_2_0_cipher_suites", "ssl_3_0_cipher_suites", "tls_1_0_cipher_suites", "tls_1_1_cipher_suites"] {
            #expect(accepted(old).isEmpty, "\(old) must be refused")
        }
        let tls12 = accepted("tls_1_2_cipher_suites")
        #expect(!tls12.isEmpty && !accepted("tls_1_3_cipher_suites").isEmpty)
        #expect(tls12.allSatisfy { $0.hasPrefix("TLS_ECDHE_") && ($0.contains("_GCM_") || $0.contains("CHACHA20_POLY1305")) },
                "TLS 1.2 only with forward secrecy and AEAD: \(tls12)")
        let value = { (key: String, field: String) in ((result[key] as? [String: Any])?["result"] as? [String: Any])?[field] }
        #expect(value("tls_compression", "supports_compression") as? Bool == false)
        #expect(value("session_renegotiation", "is_vulnerable_to_client_renegotiation_dos") as? Bool == false)
        #expect(value("heartbleed", "is_vulnerable_to_heartbleed") as? Bool == false)
        let hsts = value("http_headers", "strict_transport_security_header") as? [String: Any]
        #expect((hsts?["max_age"] as? Int ?? 0) >= 31_536_000, "HSTS for at least a year")
        let deployments = value("certificate_info", "certificate_deployments") as? [[String: Any]] ?? []
        let validations = deployments.first?["path_validation_results"] as? [[String: Any]] ?? []
        #expect(
            validations.contains {
                ($0["trust_store"] as? [String: Any])?["name"] as? String == "Supplied CA file"
                    && $0["was_validation_successful"] as? Bool == true
            }, "the chain is valid for the test CA")
    }
}
