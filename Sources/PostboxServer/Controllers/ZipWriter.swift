import Foundation
import ZIPFoundation

/// Writes a zip archive front to back, for a response that is sent as it is made.
///
/// Every entry's checksum and sizes are known before its header is written (the caller holds
/// the entry's bytes), so the archive needs neither data descriptors nor seeking back, and any
/// reader can read it. Where an offset or the number of entries outgrows the classic fields,
/// the central directory carries ZIP64 records. Deflate and CRC-32 are zlib's, through
/// ZIPFoundation. Files extract as regular files with mode 0600 (they hold personal data).
struct ZipWriter {
    enum Method: UInt16 {
        case stored = 0
        case deflated = 8
    }

    /// An entry of 4 GiB or more (ZIP64 sizes in local headers are not written), or a name
    /// that is not a plain relative path.
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    private struct Record {
        let name: [UInt8]
        let method: Method
        let crc: UInt32
        let compressedSize: UInt32
        let size: UInt32
        let offset: UInt64
    }

    private var records: [Record] = []
    /// Bytes of the archive handed out so far.
    private(set) var offset: UInt64 = 0
    private let dosTime: UInt16
    private let dosDate: UInt16
    /// ZIP64 records even where the classic fields would do (so that readers' handling of
    /// them can be checked without writing 4 GiB).
    private let alwaysZip64: Bool

    static let classicLimit: UInt64 = 0xFFFF_FFFF
    /// Regular file, rw------- (the Unix mode in the high half of the external attributes).
    static let externalAttributes: UInt32 = 0o100600 << 16

    init(modified: Date, alwaysZip64: Bool = false) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: modified)
        let year = min(max((c.year ?? 1980) - 1980, 0), 127)
        dosDate = UInt16(year << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
        dosTime = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
        self.alwaysZip64 = alwaysZip64
    }

    /// The CRC-32 of `bytes`.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, raw.count > 0 else { return 0 }
            return Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: raw.count, deallocator: .none)
                .crc32(checksum: 0)
        }
    }

    /// `bytes` deflated (raw deflate, as zip stores it) and the CRC-32 of the original.
    static func deflate(_ bytes: [UInt8]) throws -> (data: [UInt8], crc: UInt32) {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 4 + 64)
        let chunk = 64 * 1024
        let crc = try Data.compress(
            size: Int64(bytes.count), bufferSize: chunk,
            provider: { position, size in Data(bytes[Int(position)..<Int(position) + size]) },
            consumer: { out += $0 })
        return (out, crc)
    }

    /// The local header of an entry whose data (`compressedSize` bytes) the caller writes
    /// right after it.
    mutating func header(name: String, method: Method, crc: UInt32, compressedSize: Int, size: Int) throws -> [UInt8] {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard !name.isEmpty, !name.hasPrefix("/"), !name.contains("\\"), !components.contains(where: { $0 == ".." || $0.isEmpty })
        else {
            throw Refused(description: "not a relative file name")
        }
        // The name's length is a 16-bit field.
        guard name.utf8.count <= 0xFFFF else { throw Refused(description: "a file name of 64 KiB or more") }
        guard UInt64(compressedSize) < Self.classicLimit, UInt64(size) < Self.classicLimit else {
            throw Refused(description: "an entry of 4 GiB or more")
        }
        let nameBytes = Array(name.utf8)
        let record = Record(
            name: nameBytes, method: method, crc: crc, compressedSize: UInt32(compressedSize), size: UInt32(size),
            offset: offset)
        var out: [UInt8] = []
        out.reserveCapacity(30 + nameBytes.count)
        out.le32(0x0403_4B50)
        out.le16(20)  // version needed: 2.0 (deflate)
        out.le16(Self.utf8Names)
        out.le16(method.rawValue)
        out.le16(dosTime)
        out.le16(dosDate)
        out.le32(crc)
        out.le32(record.compressedSize)
        out.le32(record.size)
        out.le16(UInt16(nameBytes.count))
        out.le16(0)  // no extra field
        out += nameBytes
        records.append(record)
        offset += UInt64(out.count) + UInt64(compressedSize)
        return out
    }

    /// General purpose flag bit 11: names are UTF-8.
    static let utf8Names: UInt16 = 1 << 11

    /// The central directory and its end records; nothing may be added after.
    mutating func finish() -> [UInt8] {
        let start = offset
        var out: [UInt8] = []
        for record in records {
            let zip64 = alwaysZip64 || record.offset >= Self.classicLimit
            out.le32(0x0201_4B50)
            out.le16(3 << 8 | (zip64 ? 45 : 20))  // made by: Unix, version 4.5 or 2.0
            out.le16(zip64 ? 45 : 20)
            out.le16(Self.utf8Names)
            out.le16(record.method.rawValue)
            out.le16(dosTime)
            out.le16(dosDate)
            out.le32(record.crc)
            out.le32(record.compressedSize)
            out.le32(record.size)
            out.le16(UInt16(record.name.count))
            out.le16(zip64 ? 12 : 0)
            out.le16(0)  // no comment
            out.le16(0)  // disk
            out.le16(0)  // internal attributes
            out.le32(Self.externalAttributes)
            out.le32(zip64 ? UInt32(Self.classicLimit) : UInt32(record.offset))
            out += record.name
            if zip64 {
                // ZIP64 extended information: only the field that overflowed, the offset.
                out.le16(0x0001)
                out.le16(8)
                out.le64(record.offset)
            }
        }
        let size = UInt64(out.count)
        let end = start + size
        let zip64 = alwaysZip64 || records.count >= 0xFFFF || start >= Self.classicLimit || size >= Self.classicLimit
        if zip64 {
            out.le32(0x0606_4B50)
            out.le64(44)  // size of the rest of this record
            out.le16(3 << 8 | 45)
            out.le16(45)
            out.le32(0)  // this disk
            out.le32(0)  // disk of the central directory
            out.le64(UInt64(records.count))
            out.le64(UInt64(records.count))
            out.le64(size)
            out.le64(start)
            out.le32(0x0706_4B50)  // locator
            out.le32(0)
            out.le64(end)
            out.le32(1)  // disks in all
        }
        out.le32(0x0605_4B50)
        out.le16(0)
        out.le16(0)
        let count = zip64 ? 0xFFFF : UInt16(records.count)
        out.le16(count)
        out.le16(count)
        out.le32(zip64 ? UInt32(Self.classicLimit) : UInt32(size))
        out.le32(zip64 ? UInt32(Self.classicLimit) : UInt32(start))
        out.le16(0)  // no comment
        offset += UInt64(out.count)
        records = []
        return out
    }
}

extension [UInt8] {
    fileprivate mutating func le16(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    fileprivate mutating func le32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    fileprivate mutating func le64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
