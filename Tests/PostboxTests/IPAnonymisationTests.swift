import Testing

@testable import Postbox

@Suite("Client address shortening")
struct IPAnonymisationTests {
    @Test(arguments: [
        ("192.0.2.77", "192.0.2.0/24"),
        ("10.1.2.3", "10.1.2.0/24"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("2001:db8:1234:5678:9abc::1", "2001:db8:1234::/48"),
        ("::1", "::/48"),
    ])
    func defaultsKeepSlash24AndSlash48(address: String, expected: String) {
        #expect(IPAnonymisation().shorten(address) == expected)
    }

    @Test func otherPrefixLengthsAndDropping() {
        #expect(IPAnonymisation(ipv4PrefixLength: 16).shorten("192.0.2.77") == "192.0.0.0/16")
        #expect(IPAnonymisation(ipv4PrefixLength: 20).shorten("192.0.255.77") == "192.0.240.0/20")
        #expect(IPAnonymisation(mode: .drop).shorten("192.0.2.77") == nil)
        #expect(IPAnonymisation().shorten("not an address") == nil)
    }
}
