import Foundation

/// Writes JSON text straight into bytes, for the responses on the hot paths (a page of 50
/// messages is 70 KB of mostly message text).
///
/// Foundation's `JSONEncoder` first builds a tree of boxed values through the `Encoder`
/// protocols and then serialises it: a quarter of the CPU of reading a thread went there. This
/// writer appends to one buffer and copies runs of characters that need no escaping at once.
/// It only writes (no parsing) and covers what the responses use: objects, arrays, strings,
/// integers, booleans and dates (`2026-11-22T15:37:44Z`, as `JSONEncoder`'s `.iso8601`).
/// Keys are static ASCII names. Output is RFC 8259 JSON; the tests read it back with
/// `JSONSerialization` and compare it with `JSONEncoder`'s.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next value or key needs a comma before it.
    private var needsComma = false

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: Structure

    public mutating func beginObject() {
        separator()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separator()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"name":`; the value written next belongs to it.
    public mutating func key(_ name: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { name in
            assert(name.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
            bytes.append(contentsOf: name)
        }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: Values

    public mutating func string(_ value: String) {
        separator()
        var value = value
        value.withUTF8 { appendEscaped($0) }
        needsComma = true
    }

    public mutating func int(_ value: Int) {
        separator()
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
        } else {
            var magnitude = value.magnitude
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                         UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            withUnsafeMutableBytes(of: &digits) { digits in
                while magnitude > 0 {
                    digits[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                    count += 1
                }
                if value < 0 { bytes.append(UInt8(ascii: "-")) }
                for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(digits[i]) }
            }
        }
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separator()
        bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
        needsComma = true
    }

    public mutating func null() {
        separator()
        bytes.append(contentsOf: Self.nullBytes)
        needsComma = true
    }

    /// The date in UTC to the second, as `JSONEncoder`'s `.iso8601` strategy writes it.
    public mutating func date(_ value: Date) {
        separator()
        // Whole seconds, rounded down (as `.iso8601` writes them).
        let parts = CivilTime.parts(Date(timeIntervalSince1970: value.timeIntervalSince1970.rounded(.down)))
        bytes.append(UInt8(ascii: "\""))
        parts.append(to: &bytes, separator: UInt8(ascii: "T"), milliseconds: false)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    // MARK: Members that are left out when nil (as `encodeIfPresent`)

    public mutating func member(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    public mutating func member(_ name: StaticString, _ value: Date?) {
        guard let value else { return }
        key(name)
        date(value)
    }

    public mutating func member(_ name: StaticString, _ value: Int) {
        key(name)
        int(value)
    }

    public mutating func member(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// `"name":{…}`, left out when nil.
    public mutating func member(_ name: StaticString, _ value: (some JSONWritable)?) {
        guard let value else { return }
        key(name)
        value.write(to: &self)
    }

    /// `"name":[…]`, left out when nil (an empty array is written).
    public mutating func member(_ name: StaticString, _ values: [some JSONWritable]?) {
        guard let values else { return }
        key(name)
        beginArray()
        for value in values { value.write(to: &self) }
        endArray()
    }

    // MARK: Internals

    private static let trueBytes: [UInt8] = Array("true".utf8)
    private static let falseBytes: [UInt8] = Array("false".utf8)
    private static let nullBytes: [UInt8] = Array("null".utf8)
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether one of the eight bytes is a control character, `"` or `\` (the classic
    /// "has zero byte" bit trick, applied to `< 0x20`, `== 0x22` and `== 0x5C`).
    @inline(__always) static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote & highs
        let zeroBackslash = (backslash &- ones) & ~backslash & highs
        return (control | zeroQuote | zeroBackslash) != 0
    }

    private mutating func separator() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }


    /// Appends `"…"` with `"`, `\` and the control characters escaped; everything else,
    /// including non-ASCII UTF-8, is copied as it is (valid UTF-8 in, valid UTF-8 out).
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
        let count = utf8.count
        let base = UnsafeRawPointer(utf8.baseAddress)
        while i < count {
            // Eight bytes at a time while none of them needs escaping (a message body mostly).
            if let base {
                while i &+ 8 <= count, !Self.needsEscape(base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                    i &+= 8
                }
                if i >= count { break }
            }
            let b = utf8[i]
            if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            default:
                bytes.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                    Self.hex[Int(b >> 4)], Self.hex[Int(b & 0x0F)],
                ])
            }
            i += 1
            runStart = i
        }
        if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count])) }
        bytes.append(UInt8(ascii: "\""))
    }
}

/// A value that writes itself with ``JSONWriter``.
public protocol JSONWritable {
    func write(to json: inout JSONWriter)
    /// Bytes to reserve before writing, so a large answer is not copied while it grows.
    var estimatedJSONSize: Int { get }
}

extension JSONWritable {
    public var estimatedJSONSize: Int { 2048 }
}
