import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Postbox

/// An RFC 9457 problem document with a stable `type` URI.
struct Problem: Error, Encodable, Sendable {
    /// Prefix of every problem type; the slug after it never changes once published.
    static let typePrefix = "urn:postbox:problem:"

    var type: String
    var title: String
    var status: Int
    var detail: String?
    /// Invalid fields, when the problem is about input.
    var errors: [PostboxError.FieldIssue]?
    /// Seconds for the `Retry-After` header (not part of the body).
    var retryAfter: Int?
    /// Special-category findings with suggestions (422 `special-category`).
    var findings: [FindingView]?

    enum CodingKeys: String, CodingKey { case type, title, status, detail, errors, findings }

    init(slug: String, title: String, status: HTTPResponse.Status, detail: String? = nil, errors: [PostboxError.FieldIssue]? = nil) {
        self.type = Self.typePrefix + slug
        self.title = title
        self.status = status.code
        self.detail = detail
        self.errors = errors?.isEmpty == true ? nil : errors
    }

    static let internalError = Problem(
        slug: "internal-error", title: "Internal server error", status: .internalServerError,
        detail: "The request could not be completed. It has been logged.")

    /// The problem for an error thrown anywhere below the middleware.
    static func from(_ error: any Error) -> Problem? {
        switch error {
        case let problem as Problem:
            return problem
        case let error as PostboxError:
            return from(error)
        case let error as any HTTPResponseError:
            return from(status: error.status)
        case let error as StoreError where error == .notFound:
            return from(status: .notFound)
        case let error as CryptoError where error == .decryptionFailed || error == .malformedCiphertext:
            return Problem(
                slug: "data-integrity", title: "Stored data failed its integrity check", status: .internalServerError,
                detail: "An encrypted value could not be verified; it was altered or moved. The operator has been told.")
        default:
            return nil
        }
    }

    static func from(_ error: PostboxError) -> Problem {
        let (status, title): (HTTPResponse.Status, String) =
            switch error.code {
            case .validation: (.unprocessableContent, "Invalid input")
            case .notFound: (.notFound, "Not found")
            case .conflict: (.conflict, "Conflict")
            case .gone: (.gone, "No longer valid")
            case .activationFailed: (.unauthorized, "Activation failed")
            case .unauthorised: (.unauthorized, "Authentication required")
            case .invalidCredentials: (.unauthorized, "Login failed")
            case .forbidden: (.forbidden, "Forbidden")
            case .consentRequired: (.forbidden, "Consent required")
            case .clientCertificateRequired: (.forbidden, "Client certificate required")
            case .csrfFailed: (.forbidden, "CSRF check failed")
            case .tooManyRequests: (.tooManyRequests, "Too many requests")
            case .specialCategory: (.unprocessableContent, "Special categories of personal data")
            case .subjectRestricted: (.conflict, "Processing restricted")
            case .unreadableFile: (.unprocessableContent, "Unreadable file")
            case .unsupportedMediaType: (.unsupportedMediaType, "Unsupported media type")
            case .busy: (.serviceUnavailable, "Server busy")
            }
        var problem = Problem(slug: error.code.rawValue, title: title, status: status, detail: error.detail, errors: error.fields)
        problem.retryAfter = error.retryAfter
        problem.findings = error.findings.isEmpty ? nil : error.findings.map(FindingView.init)
        return problem
    }

    static func from(status: HTTPResponse.Status) -> Problem {
        switch status {
        case .badRequest: Problem(slug: "malformed-request", title: "Malformed request", status: status)
        case .notFound: Problem(slug: "not-found", title: "Not found", status: status)
        case .methodNotAllowed: Problem(slug: "method-not-allowed", title: "Method not allowed", status: status)
        case .contentTooLarge:
            Problem(
                slug: "payload-too-large", title: "Request body too large", status: status,
                detail: "The request body exceeds the configured limit.")
        case .unsupportedMediaType:
            Problem(slug: "unsupported-media-type", title: "Unsupported media type", status: status)
        case .unauthorized: Problem(slug: "unauthorised", title: "Authentication required", status: status)
        case .forbidden: Problem(slug: "forbidden", title: "Forbidden", status: status)
        default:
            status.code >= 500
                ? internalError : Problem(slug: "http-\(status.code)", title: status.reasonPhrase, status: status)
        }
    }

    /// The problem as an HTTP response.
    func response() -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data(#"{"title":"Internal server error","status":500}"#.utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        headers[.contentLength] = String(data.count)
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if status == 401 { headers[.wwwAuthenticate] = #"Bearer realm="postbox""# }
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
