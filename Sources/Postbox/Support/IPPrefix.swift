/// How client addresses are reduced before anything logs or stores them.
public struct IPAnonymisation: Sendable, Codable, Equatable {
    /// `shorten` keeps a network prefix; `drop` keeps nothing.
    public enum Mode: String, Sendable, Codable { case shorten, drop }

    public var mode: Mode
    /// Bits of an IPv4 address kept (default 24: `203.0.113.0/24`).
    public var ipv4PrefixLength: Int
    /// Bits of an IPv6 address kept (default 48: `2001:db8:1::/48`).
    public var ipv6PrefixLength: Int

    public init(mode: Mode = .shorten, ipv4PrefixLength: Int = 24, ipv6PrefixLength: Int = 48) {
        self.mode = mode
        self.ipv4PrefixLength = ipv4PrefixLength
        self.ipv6PrefixLength = ipv6PrefixLength
    }

    /// The shortened form of `address` in CIDR notation, e.g. `"192.0.2.0/24"`, or nil when
    /// dropping or when `address` is not an IP address. IPv4-mapped IPv6 is treated as IPv4.
    public func shorten(_ address: String) -> String? {
        guard mode == .shorten, var bytes = IPAddressBytes.parse(address) else { return nil }
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            bytes = Array(bytes[12..<16])
        }
        let prefix = bytes.count == 4 ? min(max(ipv4PrefixLength, 0), 32) : min(max(ipv6PrefixLength, 0), 128)
        for i in bytes.indices {
            let keep = max(0, min(8, prefix - i * 8))
            bytes[i] &= keep == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - keep))
        }
        return "\(format(bytes))/\(prefix)"
    }

    private func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        // Compress the longest run of zero groups (RFC 5952).
        var best = (start: -1, length: 0)
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8, groups[j] == 0 { j += 1 }
                if j - i > best.length, j - i > 1 { best = (i, j - i) }
                i = j
            } else {
                i += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.start >= 0 else { return hex.joined(separator: ":") }
        let head = hex[0..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return "\(head)::\(tail)"
    }
}
