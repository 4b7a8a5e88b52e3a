import CSodium

/// Unpadded base64url (RFC 4648 section 5), by libsodium.
///
/// Session tokens are decoded on every authenticated request. libsodium decodes in one pass
/// straight into the result (mapping the alphabet and Foundation's decoder took 1% of a post),
/// in constant time for the token's bytes; it refuses any other alphabet, padding, whitespace
/// and a last character whose unused bits are not zero, so every byte string has exactly one
/// accepted text.
public enum Base64URL {
    private static let variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING

    /// Texts longer than this are refused without decoding (tokens and cursors are far shorter).
    static let maximumTextLength = 256

    public static func encode(_ bytes: [UInt8]) -> String {
        // The length libsodium needs includes the C string's terminating NUL.
        let capacity = sodium_base64_encoded_len(bytes.count, variant)
        return String(unsafeUninitializedCapacity: capacity) { text in
            text.withMemoryRebound(to: CChar.self) { text in
                // At least one byte (the NUL), so the buffer has an address.
                _ = sodium_bin2base64(text.baseAddress!, capacity, bytes, bytes.count, variant)
            }
            return capacity - 1
        }
    }

    /// The bytes of `text`, or nil when it is not unpadded base64url.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { utf8 -> [UInt8]? in
            guard utf8.count <= maximumTextLength else { return nil }
            var length = 0
            var bytes = [UInt8](repeating: 0, count: utf8.count * 3 / 4)
            let status = utf8.withMemoryRebound(to: CChar.self) { utf8 in
                // No end pointer: a character outside the alphabet fails the call.
                sodium_base642bin(&bytes, bytes.count, utf8.baseAddress, utf8.count, nil, &length, nil, variant)
            }
            guard status == 0 else { return nil }
            bytes.removeLast(bytes.count - length)
            return bytes
        }
    }
}
