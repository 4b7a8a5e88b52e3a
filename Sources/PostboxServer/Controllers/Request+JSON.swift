import Foundation
import Hummingbird
import NIOCore
import Logging
import Postbox

extension Request {
    /// Decodes a JSON body of at most `context.maxUploadSize` bytes.
    ///
    /// Malformed JSON or invalid UTF-8 is 400, a wrong media type 415, a missing or mistyped
    /// field 422 naming the field (never echoing the value), an oversize body 413.
    ///
    /// `null` is not a value here: a field is given or left out (422 names the first field that is
    /// null), except where `allowingNull` (e.g. `assigneeId: null` to unassign).
    func decodeJSON<T: Decodable>(as type: T.Type, context: PostboxRequestContext, allowingNull: Bool = false)
        async throws -> T
    {
        if let contentType = headers.value(of: .contentType), !Self.contentType(contentType, is: "application/json") {
            throw HTTPError(.unsupportedMediaType)
        }
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        if !allowingNull, Self.containsNull(buffer) {
            throw PostboxError.invalid([.init(field: "body", message: "null is not accepted; leave the field out")])
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch DecodingError.keyNotFound(let key, let ctx) {
            throw PostboxError.invalid([.init(field: Self.path(ctx.codingPath + [key]), message: "is required")])
        } catch DecodingError.valueNotFound(_, let ctx) {
            throw PostboxError.invalid([.init(field: Self.path(ctx.codingPath), message: "must not be null")])
        } catch DecodingError.typeMismatch(let expected, let ctx) {
            throw PostboxError.invalid([.init(field: Self.path(ctx.codingPath), message: "must be \(Self.name(expected))")])
        } catch DecodingError.dataCorrupted(let ctx) where !ctx.codingPath.isEmpty {
            throw PostboxError.invalid([.init(field: Self.path(ctx.codingPath), message: "has an invalid value")])
        } catch {
            throw Problem(
                slug: "malformed-request", title: "Malformed request", status: .badRequest,
                detail: "The body is not valid JSON in UTF-8.")
        }
    }

    /// Whether a `Content-Type` value starts with the media type `expected` (lower case), in any
    /// case (compared without making a lower-cased copy).
    static func contentType(_ contentType: String, is expected: StaticString) -> Bool {
        var given = contentType.utf8.makeIterator()
        let expected = UnsafeBufferPointer(start: expected.utf8Start, count: expected.utf8CodeUnitCount)
        for expected in expected {
            guard let byte = given.next() else { return false }
            let lower = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
            if lower != expected { return false }
        }
        return true
    }

    /// Whether JSON text holds a `null` literal outside strings (one pass, no parsing).
    static func containsNull(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { containsNull($0) }
    }

    /// The same over raw bytes: a string is skipped to its closing quote
    /// in a loop of its own (the body of a post is nearly all one string).
    static func containsNull(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        let count = bytes.count
        var previous: UInt8 = 0
        var index = 0
        while index < count {
            let byte = bytes[index]
            if byte == quote {
                index += 1
                while index < count, bytes[index] != quote {
                    index += bytes[index] == backslash ? 2 : 1
                }
            } else if byte == UInt8(ascii: "n"), !(previous >= UInt8(ascii: "a") && previous <= UInt8(ascii: "z")),
                index + 4 <= count, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 2] == UInt8(ascii: "l"),
                bytes[index + 3] == UInt8(ascii: "l")
            {
                return true
            }
            previous = byte
            index += 1
        }
        return false
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    private static func name(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Double.Type: "a number"
        default: "of another type"
        }
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self = buffer.withUnsafeReadableBytes { Data($0) }
    }
}
