import Crypto
import Foundation
import SwiftASN1
import X509

/// A development certificate authority and the certificates it issues, as PEM.
///
/// `postbox-server init` uses it when no certificate is configured, and the tests use it to
/// make a fresh CA per run (so fixtures never expire). Keys are ECDSA P-256.
public struct DevCertificateAuthority: Sendable {
    /// The CA certificate (PEM): the one file clients trust.
    public let certificatePEM: String
    /// The CA private key (PKCS#8 PEM).
    public let privateKeyPEM: String

    private let certificate: Certificate
    private let key: Certificate.PrivateKey

    /// A certificate and its private key, both PEM.
    public struct Issued: Sendable {
        public let certificatePEM: String
        public let privateKeyPEM: String
    }

    /// Makes a new self-signed CA valid for `validity` seconds from now.
    public init(commonName: String = "Postbox Development CA", validity: TimeInterval = 5 * 365 * 86_400) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("Postbox")
            CommonName(commonName)
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: publicKey,
            notValidBefore: now - 3600,
            notValidAfter: now + validity,
            issuer: name,
            subject: name,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: publicKey)
            },
            issuerPrivateKey: .init(key))
        self.certificate = certificate
        self.key = Certificate.PrivateKey(key)
        self.certificatePEM = try certificate.serializeAsPEM().pemString
        self.privateKeyPEM = key.pemRepresentation
    }

    /// The CA `init` made, from its certificate and private key (PEM), to issue more certificates.
    ///
    /// - Throws: ``DevCertificateError/keyMismatch`` when the key is not the certificate's.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate = try Certificate(pemEncoded: certificatePEM)
        let key = try P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        guard certificate.publicKey == Certificate.PublicKey(key.publicKey) else { throw DevCertificateError.keyMismatch }
        self.certificate = certificate
        self.key = Certificate.PrivateKey(key)
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// The common name of the certificate in `der`, or nil (mutual TLS: the login it was issued for).
    public static func commonName(ofCertificateDER der: [UInt8]) -> String? {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        for name in certificate.subject {
            for attribute in name where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }

    /// Issues a TLS server certificate for `dnsNames` and `ipAddresses` (valid for `validity` seconds).
    public func issueServerCertificate(
        dnsNames: [String] = ["localhost"],
        ipAddresses: [String] = ["127.0.0.1", "::1"],
        validity: TimeInterval = 365 * 86_400
    ) throws -> Issued {
        var names = dnsNames.map { GeneralName.dnsName($0) }
        for address in ipAddresses {
            guard let bytes = IPAddressBytes.parse(address) else { throw DevCertificateError.invalidIPAddress }
            names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
        }
        return try issue(
            commonName: dnsNames.first ?? "localhost", usage: .serverAuth, alternativeNames: names, validity: validity)
    }

    /// Issues a TLS client certificate (for mutual TLS of staff clients).
    public func issueClientCertificate(commonName: String, validity: TimeInterval = 365 * 86_400) throws -> Issued {
        try issue(commonName: commonName, usage: .clientAuth, alternativeNames: [], validity: validity)
    }

    private func issue(
        commonName: String, usage: ExtendedKeyUsage.Usage, alternativeNames: [GeneralName], validity: TimeInterval
    ) throws -> Issued {
        let leafKey = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(leafKey.publicKey)
        let now = Date()
        let authorityKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let leaf = try Certificate(
            version: .v3,
            serialNumber: .init(),
            publicKey: publicKey,
            notValidBefore: now - 3600,
            notValidAfter: now + validity,
            issuer: certificate.subject,
            subject: try DistinguishedName {
                OrganizationName("Postbox")
                CommonName(commonName)
            },
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([usage])
                SubjectKeyIdentifier(hash: publicKey)
                AuthorityKeyIdentifier(keyIdentifier: authorityKeyID)
                if !alternativeNames.isEmpty {
                    SubjectAlternativeNames(alternativeNames)
                }
            },
            issuerPrivateKey: key)
        return Issued(certificatePEM: try leaf.serializeAsPEM().pemString, privateKeyPEM: leafKey.pemRepresentation)
    }
}

/// Could not make a development certificate.
public enum DevCertificateError: Error, CustomStringConvertible {
    case invalidIPAddress
    case keyMismatch

    public var description: String {
        switch self {
        case .invalidIPAddress: "invalid IP address for a certificate"
        case .keyMismatch: "the CA key does not belong to the CA certificate"
        }
    }
}

/// Parses textual IPv4/IPv6 addresses into network-order bytes.
public enum IPAddressBytes {
    /// 4 bytes for IPv4, 16 for IPv6, nil if `text` is neither.
    public static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
