import NIOSSL

/// The server's TLS policy: TLS 1.2 minimum (1.3 preferred by the client's offer), and for
/// TLS 1.2 only the Mozilla "intermediate" AEAD suites with forward secrecy. BoringSSL offers
/// no compression and no renegotiation on the server side.
enum TLSSetup {
    /// Mozilla intermediate (v5.7) TLS 1.2 suites that BoringSSL implements (it has no DHE).
    static let intermediateCipherSuites = [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// Server TLS configuration from PEM files.
    ///
    /// - Parameter clientCAFile: when given, clients may present a certificate, which must chain
    ///   to this CA or the handshake fails; clients without one are let in (members, brokers), and
    ///   ``AuthenticationMiddleware`` decides who needs one.
    static func serverConfiguration(certificateFile: String, privateKeyFile: String, clientCAFile: String? = nil) throws
        -> TLSConfiguration
    {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
            key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
        } catch {
            throw ConfigurationError("cannot load the TLS certificate \(certificateFile) or key \(privateKeyFile)")
        }
        guard !chain.isEmpty else { throw ConfigurationError("no certificate in \(certificateFile)") }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.cipherSuites = intermediateCipherSuites
        if let clientCAFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCAFile))
            } catch {
                throw ConfigurationError("cannot load the CA for client certificates \(clientCAFile)")
            }
            tls.certificateVerification = .optionalVerification
            tls.sendCANameList = true
        }
        return tls
    }
}
