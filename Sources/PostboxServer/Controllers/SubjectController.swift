import Foundation
import Hummingbird
import NIOCore
import Postbox

/// Data-subject rights: `POST /v1/subjects/search`, `GET /v1/subjects/{id}`,
/// `GET /v1/subjects/{id}/export`, `POST|DELETE /v1/subjects/{id}/restrict`,
/// `POST /v1/subjects/{id}/erase` (all DPO) and `GET /v1/me/export` (a member's own data).
struct SubjectController {
    let subjects: SubjectService

    struct SearchRequest: Decodable {
        let policyNumber: String?
        let referralNumber: String?
        let licencePlate: String?
        let phone: String?
        let surname: String?
        let memberNumber: String?
        let email: String?
        let login: String?
    }

    struct SearchResponse: ResponseEncodable {
        let subjects: [SubjectSummary]
    }

    /// A core value as a JSON response.
    struct Body<Value: Encodable & Sendable>: ResponseEncodable {
        let value: Value
        func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    }

    /// Formats of an export: one JSON document, the same as a readable page, or both in a zip.
    enum Format: String {
        case json, html, zip

        init(_ raw: String?) throws {
            guard let format = Format(rawValue: raw ?? "json") else {
                throw PostboxError.invalid([.init(field: "format", message: "json, html or zip")])
            }
            self = format
        }
    }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.post("/v1/subjects/search") { request, context -> SearchResponse in
            let principal = try context.requirePrincipal()
            let body = try await request.decodeJSON(as: SearchRequest.self, context: context)
            let found = try await subjects.search(
                .init(
                    policyNumber: body.policyNumber, referralNumber: body.referralNumber,
                    licencePlate: body.licencePlate, phone: body.phone, surname: body.surname,
                    memberNumber: body.memberNumber, email: body.email, login: body.login),
                by: principal, ipPrefix: context.clientIP)
            return SearchResponse(subjects: found)
        }
        router.get("/v1/subjects/:id") { _, context -> Body<SubjectSummary> in
            let principal = try context.requirePrincipal()
            return Body(value: try await subjects.summary(id: try context.parameters.require("id"), by: principal))
        }
        router.get("/v1/subjects/:id/export") { request, context -> Response in
            let principal = try context.requirePrincipal()
            let id = try context.parameters.require("id")
            let format = try Format(request.uri.queryParameters["format"].map(String.init))
            try await subjects.authorizeExport(subjectID: id, by: principal)
            let ip = context.clientIP
            return try await exportResponse(format: format, name: id) { consumer in
                try await subjects.export(subjectID: id, by: principal, ipPrefix: ip, into: &consumer)
            }
        }
        router.get("/v1/me/export") { request, context -> Response in
            let principal = try context.requirePrincipal()
            let format = try Format(request.uri.queryParameters["format"].map(String.init))
            let id = try await subjects.authorizeOwnExport(by: principal)
            let ip = context.clientIP
            return try await exportResponse(format: format, name: id) { consumer in
                try await subjects.exportOwn(by: principal, ipPrefix: ip, into: &consumer)
            }
        }
        router.post("/v1/subjects/:id/restrict") { _, context -> Body<SubjectSummary> in
            let principal = try context.requirePrincipal()
            return Body(
                value: try await subjects.restrict(
                    subjectID: try context.parameters.require("id"), by: principal, ipPrefix: context.clientIP))
        }
        router.delete("/v1/subjects/:id/restrict") { _, context -> Body<SubjectSummary> in
            let principal = try context.requirePrincipal()
            return Body(
                value: try await subjects.lift(
                    subjectID: try context.parameters.require("id"), by: principal, ipPrefix: context.clientIP))
        }
        router.post("/v1/subjects/:id/erase") { _, context -> Body<ErasureReport> in
            let principal = try context.requirePrincipal()
            return Body(
                value: try await subjects.erase(
                    subjectID: try context.parameters.require("id"), by: principal, ipPrefix: context.clientIP))
        }
    }

    /// Runs an export into a renderer and writes it to the client.
    typealias Producer = @Sendable (inout ExportSink) async throws -> Void

    /// The response of an export, streamed as it is read. The zip (the JSON document, the HTML
    /// page and the attachments as files) sends each attachment as it comes, stored as it is
    /// (JPEG, PNG and PDF are compressed already); the two documents are kept until the end and
    /// go last, deflated. So the server holds at most one attachment and the documents' text.
    func exportResponse(format: Format, name: String, produce: @escaping Producer) async throws -> Response {
        var headers: HTTPFields = [.cacheControl: "no-store"]
        headers[.contentDisposition] = "attachment; filename=\"postbox-export-\(name).\(format.rawValue)\""
        switch format {
        case .json, .html:
            let json = format == .json
            headers[.contentType] = json ? ExportJSONRenderer().contentType : ExportHTMLRenderer().contentType
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    let renderer: any ExportRenderer = json ? ExportJSONRenderer() : ExportHTMLRenderer()
                    var sink = ExportSink(renderers: [renderer], writer: writer)
                    try await produce(&sink)
                    try await sink.finish()
                })
        case .zip:
            headers[.contentType] = "application/zip"
            let modified = Date()
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    var sink = ExportSink(
                        renderers: [ExportJSONRenderer(embedsAttachments: false), ExportHTMLRenderer()], writer: writer,
                        zip: ZipWriter(modified: modified))
                    try await produce(&sink)
                    try await sink.finish()
                })
        }
    }
}

/// Renders export parts and streams them to a response: one renderer's document as it is
/// made, or a zip (``ZipWriter``) with the attachments as they come and every renderer's
/// document at the end.
struct ExportSink: ExportConsumer {
    var renderers: [any ExportRenderer]
    var writer: any ResponseBodyWriter
    var zip: ZipWriter?
    /// Each renderer's document so far (zip only).
    var collected: [[UInt8]]
    var pending: [UInt8] = []
    static let chunkSize = 64 * 1024
    static let documentNames = ["export.json", "export.html"]

    init(renderers: [any ExportRenderer], writer: any ResponseBodyWriter, zip: ZipWriter? = nil) {
        precondition(zip == nil ? renderers.count == 1 : renderers.count <= Self.documentNames.count)
        self.renderers = renderers
        self.writer = writer
        self.zip = zip
        collected = Array(repeating: [], count: renderers.count)
    }

    mutating func consume(_ part: ExportPart) async throws {
        if zip != nil, case .attachment(let entry, let content) = part, let file = entry.file {
            pending += try zip!.header(
                name: file, method: .stored, crc: ZipWriter.crc32(content), compressedSize: content.count, size: content.count)
            try await flush()
            try await write(content)
        }
        for index in renderers.indices {
            let bytes = try renderers[index].render(part)
            if zip == nil { pending += bytes } else { collected[index] += bytes }
        }
        if pending.count >= Self.chunkSize { try await flush() }
    }

    mutating func flush() async throws {
        guard !pending.isEmpty else { return }
        try await write(pending)
        pending.removeAll(keepingCapacity: true)
    }

    private mutating func write(_ bytes: [UInt8]) async throws {
        try await writer.write(ByteBuffer(bytes: bytes))
    }

    mutating func finish() async throws {
        if zip != nil {
            for (name, document) in Swift.zip(Self.documentNames, collected) {
                let (deflated, crc) = try ZipWriter.deflate(document)
                pending += try self.zip!.header(
                    name: name, method: .deflated, crc: crc, compressedSize: deflated.count, size: document.count)
                try await flush()
                try await write(deflated)
            }
            collected = []
            pending += self.zip!.finish()
        }
        try await flush()
        try await writer.finish(nil)
    }
}
