import Foundation
import Hummingbird
import Logging
import Postbox

extension Request {
    /// Decodes a JSON body of at most `context.maxUploadSize` bytes.
    ///
    /// Malformed JSON or invalid UTF-8 is 400, a wrong media type 415, a missing or mistyped
    /// field 422 naming the field (never echoing the value), an oversize body 413.
    func decodeJSON<T: Decodable>(as type: T.Type, context: PostboxRequestContext) async throws -> T {
        if let contentType = headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw HTTPError(.unsupportedMediaType)
        }
        let buffer = try await body.collect(upTo: context.maxUploadSize)
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
