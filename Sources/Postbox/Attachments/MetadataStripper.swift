import CQPDF

/// The file types attachments may have, decided by their first bytes (never by the name or
/// the declared type alone).
public enum AttachmentType: String, Sendable, Codable, CaseIterable {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case pdf = "application/pdf"

    /// The type the bytes are, or nil.
    public static func sniff(_ bytes: [UInt8]) -> AttachmentType? {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: Array("%PDF-".utf8)) { return .pdf }
        return nil
    }

    /// The extension a download is named with.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .pdf: "pdf"
        }
    }
}

/// A file without its hidden metadata, described as pieces of the original (so nothing is
/// copied) plus the few bytes written anew (a minimal Exif block keeping the orientation).
public struct StrippedFile: Sendable, Equatable {
    public enum Piece: Sendable, Equatable {
        case original(Range<Int>)
        case inserted([UInt8])
    }

    public var pieces: [Piece]
    /// What was removed: `gps`, `datetime`, `camera`, `exif`, `xmp`, `iptc`, `comment`, `text`, `other`.
    public var removed: [String]
    /// Whether the file type's metadata was looked for and removed (true for every type now;
    /// stored attachments from before PDFs were rewritten say false).
    public var metadataRemoved: Bool

    /// Size of the stripped file.
    public var size: Int {
        pieces.reduce(0) {
            switch $1 {
            case .original(let range): $0 + range.count
            case .inserted(let bytes): $0 + bytes.count
            }
        }
    }

    /// The stripped bytes (for callers that need them whole).
    public func bytes(of original: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(size)
        for piece in pieces {
            switch piece {
            case .original(let range): out += original[range]
            case .inserted(let bytes): out += bytes
            }
        }
        return out
    }
}

/// Why a file was refused; the message names the problem, never the content.
public struct UnreadableFile: Error, Equatable, Sendable {
    public let reason: String
}

/// Removes metadata from photos without re-encoding them (DESIGN.md section 6, issue 8).
///
/// JPEG: every APPn segment except JFIF (APP0), ICC profiles (APP2) and Adobe colour
/// information (APP14) goes, and so do comments; the image orientation is kept by writing a
/// minimal Exif block with only the Orientation tag. PNG: `tEXt`, `zTXt`, `iTXt`, `eXIf` and
/// `tIME` go. The image data itself is kept byte for byte, so the pixels are unchanged. PDF:
/// the document information and XMP go, and the file is rewritten by qpdf (``PDFRewriter``).
public enum MetadataStripper {
    public static func strip(_ bytes: [UInt8], as type: AttachmentType) throws -> StrippedFile {
        switch type {
        case .jpeg: try jpeg(bytes)
        case .png: try png(bytes)
        case .pdf: try pdf(bytes)
        }
    }

    static func be16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
    static func be32(_ b: [UInt8], _ i: Int) -> Int {
        Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
    }

    static func startsWith(_ b: [UInt8], at i: Int, _ prefix: String, end: Int) -> Bool {
        let p = Array(prefix.utf8)
        return i + p.count <= end && Array(b[i..<i + p.count]) == p
    }

    /// Appends a range, merging it with the previous one when they touch.
    static func keep(_ range: Range<Int>, into pieces: inout [StrippedFile.Piece]) {
        if case .original(let last) = pieces.last, last.upperBound == range.lowerBound {
            pieces[pieces.count - 1] = .original(last.lowerBound..<range.upperBound)
        } else {
            pieces.append(.original(range))
        }
    }

    // MARK: - JPEG

    static func jpeg(_ b: [UInt8]) throws -> StrippedFile {
        guard b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 else { throw UnreadableFile(reason: "not a JPEG file") }
        var pieces: [StrippedFile.Piece] = [.original(0..<2)]
        var removed: Set<String> = []
        var orientation: Int?
        var sawFrame = false
        var exifInsertIndex = 1
        var pos = 2
        while true {
            guard pos + 1 < b.count, b[pos] == 0xFF else {
                throw UnreadableFile(reason: "the JPEG is truncated or corrupt")
            }
            var marker = b[pos + 1]
            while marker == 0xFF {  // fill bytes
                pos += 1
                guard pos + 1 < b.count else { throw UnreadableFile(reason: "the JPEG is truncated") }
                marker = b[pos + 1]
            }
            if marker == 0xD9 || marker == 0xD8 { throw UnreadableFile(reason: "the JPEG has no image data") }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) {
                keep(pos..<pos + 2, into: &pieces)
                pos += 2
                continue
            }
            guard pos + 4 <= b.count else { throw UnreadableFile(reason: "the JPEG is truncated") }
            let length = be16(b, pos + 2)
            let end = pos + 2 + length
            guard length >= 2, end <= b.count else {
                throw UnreadableFile(reason: "a JPEG segment runs past the end of the file")
            }
            let payload = pos + 4
            switch marker {
            case 0xDA:  // start of scan: the image data follows, kept as it is
                guard sawFrame else { throw UnreadableFile(reason: "the JPEG has no frame header") }
                guard b.count >= 2, b[b.count - 2] == 0xFF, b[b.count - 1] == 0xD9 else {
                    throw UnreadableFile(reason: "the JPEG is truncated (no end-of-image marker)")
                }
                keep(pos..<b.count, into: &pieces)
                if let orientation, orientation != 1 {
                    pieces.insert(.inserted(orientationExif(orientation)), at: exifInsertIndex)
                }
                return StrippedFile(pieces: pieces, removed: removed.sorted(), metadataRemoved: true)
            case 0xE0:
                if startsWith(b, at: payload, "JFIF\0", end: end) {
                    keep(pos..<end, into: &pieces)
                    exifInsertIndex = pieces.count
                } else {
                    removed.insert("other")
                }
            case 0xE1:
                if startsWith(b, at: payload, "Exif\0\0", end: end) {
                    removed.insert("exif")
                    let summary = ExifSummary(tiff: Array(b[payload + 6..<end]))
                    removed.formUnion(summary.categories)
                    orientation = orientation ?? summary.orientation
                } else if startsWith(b, at: payload, "http://ns.adobe.com/", end: end) {
                    removed.insert("xmp")
                } else {
                    removed.insert("other")
                }
            case 0xE2:
                if startsWith(b, at: payload, "ICC_PROFILE\0", end: end) {
                    keep(pos..<end, into: &pieces)
                } else {
                    removed.insert("other")
                }
            case 0xED:
                removed.insert("iptc")
            case 0xEE:
                if startsWith(b, at: payload, "Adobe", end: end) {
                    keep(pos..<end, into: &pieces)
                } else {
                    removed.insert("other")
                }
            case 0xE3...0xEF:
                removed.insert("other")
            case 0xFE:
                removed.insert("comment")
            default:
                if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) { sawFrame = true }
                keep(pos..<end, into: &pieces)
            }
            pos = end
        }
    }

    /// An APP1 segment with a big-endian TIFF block holding only the Orientation tag.
    static func orientationExif(_ orientation: Int) -> [UInt8] {
        let tiff: [UInt8] = [
            0x4D, 0x4D, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,  // "MM", 42, IFD0 at 8
            0x00, 0x01,  // one entry
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,  // Orientation, SHORT, count 1
            UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00,  // no next IFD
        ]
        let payload = Array("Exif\0\0".utf8) + tiff
        let length = payload.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    // MARK: - PNG

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func png(_ b: [UInt8]) throws -> StrippedFile {
        guard b.starts(with: pngSignature) else { throw UnreadableFile(reason: "not a PNG file") }
        var pieces: [StrippedFile.Piece] = [.original(0..<8)]
        var removed: Set<String> = []
        var pos = 8
        var first = true
        while true {
            guard pos + 12 <= b.count else { throw UnreadableFile(reason: "the PNG is truncated (no IEND chunk)") }
            let length = be32(b, pos)
            guard length <= b.count - pos - 12 else {
                throw UnreadableFile(reason: "a PNG chunk declares more bytes than the file has")
            }
            let typeBytes = Array(b[pos + 4..<pos + 8])
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw UnreadableFile(reason: "the PNG has a malformed chunk")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            let dataEnd = pos + 8 + length
            guard CRC32.checksum(b[pos + 4..<dataEnd]) == UInt32(be32(b, dataEnd)) else {
                throw UnreadableFile(reason: "a PNG chunk fails its checksum")
            }
            if first, type != "IHDR" { throw UnreadableFile(reason: "the PNG does not start with IHDR") }
            first = false
            let end = dataEnd + 4
            switch type {
            case "tEXt", "zTXt", "iTXt":
                let keyword = String(decoding: b[pos + 8..<dataEnd].prefix { $0 != 0 }, as: UTF8.self)
                switch keyword {
                case "XML:com.adobe.xmp": removed.insert("xmp")
                case "Creation Time", "creation time", "date:create", "date:modify": removed.insert("datetime")
                case "Raw profile type exif", "Raw profile type APP1": removed.insert("exif")
                default: removed.insert("text")
                }
            case "eXIf":
                removed.insert("exif")
                removed.formUnion(ExifSummary(tiff: Array(b[pos + 8..<dataEnd])).categories)
            case "tIME":
                removed.insert("datetime")
            case "IEND":
                keep(pos..<end, into: &pieces)
                return StrippedFile(pieces: pieces, removed: removed.sorted(), metadataRemoved: true)
            default:
                keep(pos..<end, into: &pieces)
            }
            pos = end
        }
    }

    // MARK: - PDF

    static func pdf(_ b: [UInt8]) throws -> StrippedFile {
        guard b.starts(with: Array("%PDF-".utf8)) else { throw UnreadableFile(reason: "not a PDF file") }
        let eof: [UInt8] = Array("%%EOF".utf8)
        let start = max(0, b.count - 1024)
        var found = false
        var i = start
        while !found, i + eof.count <= b.count {
            found = b[i..<i + eof.count].elementsEqual(eof)
            i += 1
        }
        guard found else { throw UnreadableFile(reason: "the PDF is truncated (no %%EOF)") }
        return try PDFRewriter.rewrite(b)
    }
}

/// Removes a PDF's document information and XMP metadata with qpdf (libqpdf's C API), in memory.
///
/// The trailer's `/Info` dictionary (author, creator, producer, title, subject, keywords,
/// dates), the catalog's and every page's `/Metadata` stream (XMP) and `/PieceInfo` (private
/// data of the program that wrote it) are removed, and the file is written anew: qpdf writes
/// only the objects the document still reaches, so earlier revisions of an incrementally
/// updated file, with their own metadata, are gone as well. Streams are copied as they are
/// (pages are not re-encoded); the file identifier is derived from the content, not from the
/// original's. Annotations keep their text but lose their authors and dates
/// (``removeAnnotationAuthors(_:page:into:)``); form fields, embedded files and images inside
/// the PDF are kept as they are.
enum PDFRewriter {
    static func rewrite(_ bytes: [UInt8]) throws -> StrippedFile {
        var handle = qpdf_init()
        defer { qpdf_cleanup(&handle) }
        guard let pdf = handle else { throw UnreadableFile(reason: "the PDF could not be read") }
        // Errors and warnings stay with the caller (they name objects, never content).
        qpdf_silence_errors(pdf)
        qpdf_set_suppress_warnings(pdf, QPDF_TRUE)
        let read = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                qpdf_read_memory(pdf, "upload", $0.baseAddress, UInt64($0.count), nil)
            }
        }
        if read & QPDF_ERRORS != 0 { throw Self.failure(pdf) }

        var removed: Set<String> = []
        let trailer = qpdf_get_trailer(pdf)
        if qpdf_oh_has_key(pdf, trailer, "/Info") == QPDF_TRUE {
            let info = qpdf_oh_get_key(pdf, trailer, "/Info")
            if qpdf_oh_is_dictionary(pdf, info) == QPDF_TRUE {
                qpdf_oh_begin_dict_key_iter(pdf, info)
                while qpdf_oh_dict_more_keys(pdf) == QPDF_TRUE {
                    let key = String(cString: qpdf_oh_dict_next_key(pdf))
                    removed.insert(key == "/CreationDate" || key == "/ModDate" ? "datetime" : "text")
                }
            }
            qpdf_oh_remove_key(pdf, trailer, "/Info")
        }
        let root = qpdf_get_root(pdf)
        var holders = [root]
        let pages = qpdf_get_num_pages(pdf)
        if pages < 0 { throw Self.failure(pdf) }
        for page in 0..<Int(pages) { holders.append(qpdf_get_page_n(pdf, page)) }
        for (index, holder) in holders.enumerated() {
            if qpdf_oh_has_key(pdf, holder, "/Metadata") == QPDF_TRUE {
                removed.insert(index == 0 ? "xmp" : "other")
                qpdf_oh_remove_key(pdf, holder, "/Metadata")
            }
            if qpdf_oh_has_key(pdf, holder, "/PieceInfo") == QPDF_TRUE {
                removed.insert("other")
                qpdf_oh_remove_key(pdf, holder, "/PieceInfo")
            }
        }
        for page in holders.dropFirst() { Self.removeAnnotationAuthors(pdf, page: page, into: &removed) }
        if qpdf_has_error(pdf) == QPDF_TRUE { throw Self.failure(pdf) }

        guard qpdf_init_write_memory(pdf) & QPDF_ERRORS == 0 else { throw Self.failure(pdf) }
        qpdf_set_stream_data_mode(pdf, qpdf_s_preserve)
        qpdf_set_deterministic_ID(pdf, QPDF_TRUE)
        qpdf_set_preserve_encryption(pdf, QPDF_FALSE)
        guard qpdf_write(pdf) & QPDF_ERRORS == 0, let out = qpdf_get_buffer(pdf) else { throw Self.failure(pdf) }
        let written = Array(UnsafeBufferPointer(start: out, count: qpdf_get_buffer_length(pdf)))
        return StrippedFile(
            pieces: [.inserted(written)], removed: removed.sorted(), metadataRemoved: true)
    }

    /// A page's annotations (comments, highlights, stamps) keep what they say but lose who
    /// made them and when: `/T` (the author, for every annotation but form fields, where it is
    /// the field's name), `/M` and `/CreationDate`.
    static func removeAnnotationAuthors(_ pdf: qpdf_data, page: qpdf_oh, into removed: inout Set<String>) {
        guard qpdf_oh_has_key(pdf, page, "/Annots") == QPDF_TRUE else { return }
        let annotations = qpdf_oh_get_key(pdf, page, "/Annots")
        guard qpdf_oh_is_array(pdf, annotations) == QPDF_TRUE else { return }
        for index in 0..<qpdf_oh_get_array_n_items(pdf, annotations) {
            let annotation = qpdf_oh_get_array_item(pdf, annotations, index)
            guard qpdf_oh_is_dictionary(pdf, annotation) == QPDF_TRUE else { continue }
            let isField =
                qpdf_oh_is_name_and_equals(pdf, qpdf_oh_get_key(pdf, annotation, "/Subtype"), "/Widget") == QPDF_TRUE
                || qpdf_oh_has_key(pdf, annotation, "/FT") == QPDF_TRUE
            for (key, kind) in [("/T", "text"), ("/M", "datetime"), ("/CreationDate", "datetime")]
            where !(key == "/T" && isField) && qpdf_oh_has_key(pdf, annotation, key) == QPDF_TRUE {
                qpdf_oh_remove_key(pdf, annotation, key)
                removed.insert(kind)
            }
        }
    }

    /// Why qpdf refused the file, in words for the uploader (qpdf's own text names offsets and objects).
    static func failure(_ pdf: qpdf_data) -> UnreadableFile {
        let code = qpdf_has_error(pdf) == QPDF_TRUE ? qpdf_get_error_code(pdf, qpdf_get_error(pdf)) : qpdf_e_internal
        switch code {
        case qpdf_e_password: return UnreadableFile(reason: "the PDF is protected by a password; send it without one")
        case qpdf_e_unsupported: return UnreadableFile(reason: "the PDF uses a feature that cannot be read here")
        default: return UnreadableFile(reason: "the PDF is damaged and cannot be read")
        }
    }
}

/// What an Exif (TIFF) block holds, read defensively: which kinds of data, and the orientation.
struct ExifSummary {
    var categories: Set<String> = []
    var orientation: Int?

    static let camera: Set<Int> = [0x010F, 0x0110, 0xA430, 0xA431, 0xA432, 0xA433, 0xA434]
    static let datetime: Set<Int> = [0x0132, 0x9003, 0x9004]

    init(tiff t: [UInt8]) {
        guard t.count >= 8 else { return }
        let little: Bool
        if t[0] == 0x49, t[1] == 0x49 {
            little = true
        } else if t[0] == 0x4D, t[1] == 0x4D {
            little = false
        } else {
            return
        }
        func u16(_ i: Int) -> Int? {
            guard i >= 0, i + 2 <= t.count else { return nil }
            return little ? Int(t[i]) | Int(t[i + 1]) << 8 : Int(t[i]) << 8 | Int(t[i + 1])
        }
        func u32(_ i: Int) -> Int? {
            guard i >= 0, i + 4 <= t.count else { return nil }
            let ordered: [UInt8] =
                little ? [t[i + 3], t[i + 2], t[i + 1], t[i]] : [t[i], t[i + 1], t[i + 2], t[i + 3]]
            var value = 0
            for byte in ordered { value = value << 8 | Int(byte) }
            return value
        }
        guard u16(2) == 42, let ifd0 = u32(4) else { return }
        var visited: Set<Int> = []
        func walk(_ offset: Int, depth: Int) {
            guard depth < 3, !visited.contains(offset), let count = u16(offset), count <= 512 else { return }
            visited.insert(offset)
            for index in 0..<count {
                let entry = offset + 2 + index * 12
                guard let tag = u16(entry), let type = u16(entry + 2) else { return }
                if tag == 0x8825 { categories.insert("gps") }
                if Self.camera.contains(tag) { categories.insert("camera") }
                if Self.datetime.contains(tag) { categories.insert("datetime") }
                if tag == 0x0112, type == 3, let value = u16(entry + 8), (1...8).contains(value) { orientation = value }
                if tag == 0x8769, let sub = u32(entry + 8) { walk(sub, depth: depth + 1) }
            }
        }
        walk(ifd0, depth: 0)
    }
}

/// CRC-32 (ISO-HDLC, as PNG uses) for checking chunk checksums.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
