/// A domain error that the API reports to the client: a stable code, a fixed title and a
/// detail that never contains stored content. The server maps codes to HTTP in one place.
public struct PostboxError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Stable machine-readable kinds; the server maps each to a status and problem type.
    public enum Code: String, Sendable, Hashable {
        case validation = "validation-failed"
        case notFound = "not-found"
        case conflict = "conflict"
        case gone = "gone"
        case activationFailed = "activation-failed"
        case unauthorised = "unauthorised"
        case invalidCredentials = "invalid-credentials"
        case forbidden = "forbidden"
        case consentRequired = "consent-required"
        case clientCertificateRequired = "client-certificate-required"
        case csrfFailed = "csrf-failed"
        case tooManyRequests = "too-many-requests"
        case specialCategory = "special-category"
        case subjectRestricted = "subject-restricted"
        case unreadableFile = "unreadable-file"
        case unsupportedMediaType = "unsupported-media-type"
        case busy = "server-busy"
    }

    /// One invalid input field.
    public struct FieldIssue: Sendable, Hashable, Codable {
        public let field: String
        public let message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public let code: Code
    public let detail: String
    public let fields: [FieldIssue]
    /// Seconds after which a retry may succeed (429, 503).
    public let retryAfter: Int?
    /// Special-category findings that made the request fail (422 `special-category`).
    public let findings: [FieldFinding]

    public init(
        _ code: Code, detail: String, fields: [FieldIssue] = [], retryAfter: Int? = nil, findings: [FieldFinding] = []
    ) {
        self.code = code
        self.detail = detail
        self.fields = fields
        self.retryAfter = retryAfter
        self.findings = findings
    }

    public var description: String { "\(code.rawValue): \(detail)" }

    /// Processing of the person's data is restricted (Art. 18 GDPR): new entries are refused.
    public static let subjectRestricted = PostboxError(
        .subjectRestricted,
        detail: "processing of this person's data is restricted (Art. 18 GDPR); new entries are refused. Contact the data-protection officer.")

    /// Too many password checks are running or waiting (``HashingPool``); retry shortly.
    public static let busy = PostboxError(
        .busy, detail: "the server is checking too many passwords at once; try again in a moment", retryAfter: 1)

    /// Invalid input naming the fields.
    public static func invalid(_ fields: [FieldIssue]) -> PostboxError {
        PostboxError(
            .validation, detail: "invalid fields: \(fields.map(\.field).joined(separator: ", "))", fields: fields)
    }
}
