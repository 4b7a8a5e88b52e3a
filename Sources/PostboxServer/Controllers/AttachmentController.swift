import Foundation
import Hummingbird
import NIOCore
import Postbox

/// `POST /v1/tickets/{id}/attachments` (the raw file as body), `GET /v1/tickets/{id}/attachments`,
/// `GET /v1/attachments/{id}` (the stripped file, streamed).
struct AttachmentController {
    let attachments: AttachmentService
    let organisations: OrganisationNames

    /// The upload route; `BodyLimitMiddleware` gives it the larger limit.
    static let uploadRoute: RouterPath = "/v1/tickets/:id/attachments"

    struct AttachmentView: ResponseEncodable {
        let id: String
        let ticketId: String
        let name: String
        let contentType: String
        let size: Int
        /// False when the file's metadata was left as it was (PDF).
        let metadataRemoved: Bool
        /// Kinds of metadata removed on arrival, e.g. `["camera", "datetime", "exif", "gps"]`.
        let removedMetadata: [String]
        let specialCategories: [String]
        let authorRole: String?
        let createdAt: Date
        let origin: OriginView?
        /// Findings in the file name (policy `warn`), in the answer to the uploader.
        var findings: [FindingView]?

        init(_ a: Attachment, for principal: Principal, organisations: [String: String]) {
            id = a.id
            ticketId = a.ticketID
            name = a.name
            contentType = a.type.rawValue
            size = a.size
            metadataRemoved = a.metadataRemoved
            removedMetadata = a.removedMetadata
            specialCategories = a.categories.map(\.rawValue)
            authorRole = a.origin.role?.rawValue
            createdAt = a.origin.createdAt
            origin = TicketController.seesOrigins(principal) ? OriginView(a.origin, organisations: organisations) : nil
        }
    }

    struct Page: ResponseEncodable {
        let items: [AttachmentView]
    }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.post(Self.uploadRoute) { request, context -> Response in
            let principal = try context.requirePrincipal()
            let ticketID = try context.parameters.require("id")
            // Refuse before reading a large body.
            let permit = try await attachments.authorizeUpload(ticketID: ticketID, by: principal)
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            let acknowledge: Bool
            switch request.uri.queryParameters["acknowledgeSpecialCategories"] {
            case nil, "false": acknowledge = false
            case "true": acknowledge = true
            default:
                throw PostboxError.invalid([.init(field: "acknowledgeSpecialCategories", message: "true or false")])
            }
            let (attachment, findings) = try await attachments.upload(
                permit, declaredType: request.headers[.contentType],
                fileName: request.headers[.contentDisposition].flatMap(Self.fileName),
                content: Array(buffer.readableBytesView),
                acknowledgeSpecialCategories: acknowledge, channel: context.channel, ipPrefix: context.clientIP)
            let names = await organisations.names(for: [attachment.origin], shownTo: principal)
            var view = AttachmentView(attachment, for: principal, organisations: names)
            view.findings = findings.map(FindingView.init)
            return try view.created(request, context)
        }
        router.get("/v1/tickets/:id/attachments") { _, context -> Page in
            let principal = try context.requirePrincipal()
            let items = try await attachments.list(ticketID: try context.parameters.require("id"), by: principal)
            let names = await organisations.names(
                ofOrganisations: items.compactMap { $0.origin.organisationID }, shownTo: principal)
            return Page(items: items.map { AttachmentView($0, for: principal, organisations: names) })
        }
        router.get("/v1/attachments/:id") { _, context -> Response in
            let principal = try context.requirePrincipal()
            let (attachment, content) = try await attachments.download(
                id: try context.parameters.require("id"), by: principal, ipPrefix: context.clientIP)
            let headers: HTTPFields = [
                .contentType: attachment.type.rawValue,
                .contentDisposition: Self.disposition(attachment.name),
                .cacheControl: "no-store",
            ]
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(contentLength: attachment.size) { writer in
                    var content = content
                    while let chunk = try await content.next() { try await writer.write(ByteBuffer(bytes: chunk)) }
                    try await writer.finish(nil)
                })
        }
    }

    /// The file name of a `Content-Disposition` header: `filename*=UTF-8''…` (RFC 6266/8187)
    /// before `filename="…"`.
    static func fileName(_ header: String) -> String? {
        var plain: String?
        var extended: String?
        var rest = Substring(header)
        while let semicolon = rest.firstIndex(of: ";") {
            rest = rest[rest.index(after: semicolon)...].drop { $0 == " " }
            guard let equals = rest.firstIndex(of: "=") else { break }
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var value = rest[rest.index(after: equals)...]
            var parsed = ""
            if value.first == "\"" {
                value = value.dropFirst()
                var escaped = false
                var end = value.endIndex
                for index in value.indices {
                    let c = value[index]
                    if escaped {
                        parsed.append(c)
                        escaped = false
                    } else if c == "\\" {
                        escaped = true
                    } else if c == "\"" {
                        end = index
                        break
                    } else {
                        parsed.append(c)
                    }
                }
                rest = end < value.endIndex ? value[value.index(after: end)...] : ""
            } else {
                let end = value.firstIndex(of: ";") ?? value.endIndex
                parsed = value[..<end].trimmingCharacters(in: .whitespaces)
                rest = value[end...]
            }
            if name == "filename" { plain = parsed }
            if name == "filename*" {
                let parts = parsed.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if parts.count == 3, parts[0].lowercased() == "utf-8" {
                    extended = String(parts[2]).removingPercentEncoding
                }
            }
        }
        return extended ?? plain
    }

    /// `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266).
    static func disposition(_ name: String) -> String {
        let ascii = String(
            name.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0 != "\\" && $0.value >= 0x20 ? Character($0) : "_" }
        )
        let encoded =
            name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? ascii
        return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)"
    }
}
