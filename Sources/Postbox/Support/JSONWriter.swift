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
///
/// The text is written into memory of its own, not an `Array`: a page of messages is thousands
/// of small writes, and each `Array.append` checks uniqueness and capacity on its own. Here each
/// write makes room once and then stores without checks. The writer is therefore not copyable
/// (it owns the memory); ``bytes`` and ``withBytes(_:)`` hand out the text.
public struct JSONWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    /// Whether the next value or key needs a comma before it.
    private var needsComma = false
    /// The whole second of the last date written and where its quoted text starts, so that a
    /// date written again (a message's and its origin's time) is copied rather than formatted.
    private var lastDateSecond = Double.nan
    private var lastDateOffset = 0

    public init(capacity: Int = 1024) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deallocate()
    }

    /// A copy of the text written so far.
    public var bytes: [UInt8] {
        Array(UnsafeBufferPointer(start: base, count: count))
    }

    /// Lends the text written so far.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    // MARK: Structure

    public mutating func beginObject() {
        reserve(2)
        separator()
        put(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        reserve(1)
        put(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        reserve(2)
        separator()
        put(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        reserve(1)
        put(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"name":`; the value written next belongs to it.
    public mutating func key(_ name: StaticString) {
        name.withUTF8Buffer { name in
            assert(name.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
            reserve(name.count &+ 4)
            separator()
            put(UInt8(ascii: "\""))
            put(name)
            put(UInt8(ascii: "\""))
            put(UInt8(ascii: ":"))
        }
        needsComma = false
    }

    // MARK: Values

    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { appendEscaped($0) }
        needsComma = true
    }

    public mutating func int(_ value: Int) {
        reserve(21)  // a comma, a sign and 19 digits
        separator()
        if value < 0 { put(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 1
        var scale: UInt = 1
        while magnitude / scale >= 10 {
            scale &*= 10
            digits &+= 1
        }
        for _ in 0..<digits {
            put(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude / scale))
            magnitude %= scale
            scale /= 10
        }
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        reserve(6)
        separator()
        value ? put("true") : put("false")
        needsComma = true
    }

    public mutating func null() {
        reserve(5)
        separator()
        put("null")
        needsComma = true
    }

    /// The date in UTC to the second, as `JSONEncoder`'s `.iso8601` strategy writes it.
    public mutating func date(_ value: Date) {
        reserve(CivilTime.Parts.maximumTextLength &+ 4)
        separator()
        // Whole seconds, rounded down (as `.iso8601` writes them).
        let second = value.timeIntervalSince1970.rounded(.down)
        if second == lastDateSecond {
            (base + count).update(from: base + lastDateOffset, count: Self.dateTextLength)
            count &+= Self.dateTextLength
        } else {
            lastDateSecond = second
            lastDateOffset = count
            put(UInt8(ascii: "\""))
            let parts = CivilTime.parts(Date(timeIntervalSince1970: second))
            count &+= parts.write(to: base + count, separator: UInt8(ascii: "T"), milliseconds: false)
            put(UInt8(ascii: "Z"))
            put(UInt8(ascii: "\""))
        }
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

    private static let hex: StaticString = "0123456789abcdef"
    /// `"yyyy-MM-ddTHH:mm:ssZ"` with its quotes (``CivilTime`` writes four digits of the year).
    private static let dateTextLength = 22

    /// Makes room for `extra` more bytes; every write below stays within the room made before it.
    @inline(__always) private mutating func reserve(_ extra: Int) {
        if _slowPath(count &+ extra > capacity) { grow(to: count + extra) }
    }

    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    // The room checks are `assert`s: the tests (debug builds) trap on a write past the room
    // made for it, release builds pay nothing.
    @inline(__always) private mutating func put(_ byte: UInt8) {
        assert(count < capacity, "JSONWriter: a write beyond the room made for it")
        base[count] = byte
        count &+= 1
    }

    @inline(__always) private mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        assert(count + bytes.count <= capacity, "JSONWriter: a write beyond the room made for it")
        (base + count).update(from: source, count: bytes.count)
        count &+= bytes.count
    }

    @inline(__always) private mutating func put(_ text: StaticString) {
        text.withUTF8Buffer { put($0) }
    }

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

    @inline(__always) private mutating func separator() {
        if needsComma { put(UInt8(ascii: ",")) }
    }

    /// Appends `"…"` with `"`, `\` and the control characters escaped; everything else,
    /// including non-ASCII UTF-8, is copied as it is (valid UTF-8 in, valid UTF-8 out).
    ///
    /// Room is made for the text as it is and both quotes at the start; each escape (at most six
    /// bytes for one) makes room again for itself and the rest of the text.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        let count = utf8.count
        reserve(count &+ 3)
        separator()
        put(UInt8(ascii: "\""))
        var runStart = 0
        var i = 0
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
            if runStart < i { put(UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
            reserve(6 &+ (count &- i))
            put(UInt8(ascii: "\\"))
            switch b {
            case UInt8(ascii: "\""): put(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): put(UInt8(ascii: "\\"))
            case 0x0A: put(UInt8(ascii: "n"))
            case 0x0D: put(UInt8(ascii: "r"))
            case 0x09: put(UInt8(ascii: "t"))
            case 0x08: put(UInt8(ascii: "b"))
            case 0x0C: put(UInt8(ascii: "f"))
            default:
                put("u00")
                Self.hex.withUTF8Buffer { hex in
                    put(hex[Int(b >> 4)])
                    put(hex[Int(b & 0x0F)])
                }
            }
            i += 1
            runStart = i
        }
        if runStart < count { put(UnsafeBufferPointer(rebasing: utf8[runStart..<count])) }
        put(UInt8(ascii: "\""))
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
