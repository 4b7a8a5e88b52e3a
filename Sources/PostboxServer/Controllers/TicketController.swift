import Foundation
import Hummingbird
import Postbox

/// Tickets and messages. Origins are shown to advisors and the DPO; revisions to the DPO only.
struct TicketController {
    let tickets: TicketService
    let organisations: OrganisationNames
    /// Thread pages already written, answered again while the ticket's messages are unchanged.
    let pages: MessagePageCache

    struct OpenRequest: Decodable {
        struct Reference: Decodable {
            let kind: ReferenceKind
            let number: String
        }
        let reference: Reference
        let subject: String
        let body: String
        let acknowledgeSpecialCategories: Bool?
    }

    struct UpdateRequest: Decodable {
        let status: TicketStatus?
        /// Absent: unchanged; `null`: unassign.
        let assigneeId: String??

        /// The assignee by login instead of id (for people at a terminal).
        let assigneeLogin: String?

        enum CodingKeys: String, CodingKey { case status, assigneeId, assigneeLogin }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            status = try c.decodeIfPresent(TicketStatus.self, forKey: .status)
            assigneeId = c.contains(.assigneeId) ? .some(try c.decodeIfPresent(String.self, forKey: .assigneeId)) : .none
            assigneeLogin = try c.decodeIfPresent(String.self, forKey: .assigneeLogin)
        }
    }

    struct ReplyRequest: Decodable {
        let body: String
        let acknowledgeSpecialCategories: Bool?
    }

    struct RectifyRequest: Decodable {
        let body: String
        let reason: String
        let acknowledgeSpecialCategories: Bool?
    }

    struct TicketView: Encodable {
        struct Reference: Encodable {
            let kind: String
            let number: String
        }
        let id: String
        let reference: Reference
        let subject: String
        let status: String
        let assigneeId: String?
        let createdAt: Date
        let lastActivityAt: Date
        let origin: OriginView?

        init(_ t: borrowing Ticket, for principal: Principal, organisations: [String: String]) {
            id = t.id
            reference = .init(kind: t.referenceKind.rawValue, number: t.referenceNumber)
            subject = t.title
            status = t.status.rawValue
            assigneeId = t.assigneeID
            createdAt = t.origin.createdAt
            lastActivityAt = t.lastActivityAt
            origin = TicketController.seesOrigins(principal) ? OriginView(t.origin, organisations: organisations) : nil
        }
    }

    struct MessageView: Encodable {
        struct Revision: Encodable {
            let body: String
            let reason: String?
            let revisedBy: String?
            let createdAt: Date
        }
        let id: String
        let ticketId: String
        let seq: Int
        let body: String
        let authorRole: String?
        let mine: Bool
        let createdAt: Date
        let editedAt: Date?
        /// Special categories found when the message was written (names only).
        let specialCategories: [String]
        /// Hidden from other parties until the DPO keeps it.
        let held: Bool
        let origin: OriginView?
        let revisions: [Revision]?
        /// Findings with suggestions, in the answer to the writer (policy `warn` or `hold`).
        var findings: [FindingView]?

        init(_ m: borrowing Message, for principal: Principal, organisations: [String: String]) {
            id = m.id
            ticketId = m.ticketID
            seq = m.seq
            body = m.body
            authorRole = m.origin.role?.rawValue
            mine = m.origin.authorID == principal.userID
            createdAt = m.origin.createdAt
            editedAt = m.editedAt
            specialCategories = m.categories.map(\.rawValue)
            held = m.held
            origin = TicketController.seesOrigins(principal) ? OriginView(m.origin, organisations: organisations) : nil
            revisions =
                principal.role == .dpo
                ? m.revisions.map { .init(body: $0.body, reason: $0.reason, revisedBy: $0.revisedBy, createdAt: $0.createdAt) }
                : nil
        }
    }

    struct Opened: ResponseEncodable {
        let ticket: TicketView
        let message: MessageView
        /// Findings in subject and body (policy `warn` or `hold`); empty when none.
        let findings: [FindingView]
    }

    struct TicketPage: ResponseEncodable {
        let items: [TicketView]
        let nextCursor: String?
    }

    struct MessagePage: ResponseEncodable {
        let items: [MessageView]
        let nextBefore: Int?
    }

    static func seesOrigins(_ principal: Principal) -> Bool { principal.role == .advisor || principal.role == .dpo }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.post("/v1/tickets") { request, context -> Response in
            let principal = try context.requirePrincipal()
            let body = try await request.decodeJSON(as: OpenRequest.self, context: context)
            let (ticket, message, findings) = try await tickets.open(
                referenceKind: body.reference.kind, referenceNumber: body.reference.number, subject: body.subject,
                body: body.body, acknowledgeSpecialCategories: body.acknowledgeSpecialCategories ?? false, by: principal,
                channel: context.channel, ipPrefix: context.clientIP)
            let names = await organisations.names(for: [ticket.origin, message.origin], shownTo: principal)
            return try Opened(
                ticket: TicketView(ticket, for: principal, organisations: names),
                message: MessageView(message, for: principal, organisations: names),
                findings: findings.map(FindingView.init)
            ).created(request, context)
        }
        router.get("/v1/tickets") { request, context -> TicketPage in
            let principal = try context.requirePrincipal()
            let query = request.uri.queryParameters
            var status: TicketStatus?
            if let raw = query["status"] {
                guard let parsed = TicketStatus(rawValue: String(raw)) else {
                    throw PostboxError.invalid([.init(field: "status", message: "open, answered or closed")])
                }
                status = parsed
            }
            let page = try await tickets.list(
                by: principal, status: status, cursor: query["cursor"].map(String.init),
                limit: try Self.intParameter(query["limit"], name: "limit", default: 20))
            let names = await organisations.names(
                ofOrganisations: page.tickets.compactMap { $0.origin.organisationID }, shownTo: principal)
            return TicketPage(
                items: page.tickets.map { TicketView($0, for: principal, organisations: names) }, nextCursor: page.next)
        }
        router.get("/v1/tickets/:id") { _, context -> TicketView in
            let principal = try context.requirePrincipal()
            let ticket = try await tickets.ticket(
                id: try context.parameters.require("id"), by: principal, ipPrefix: context.clientIP)
            let names = await organisations.names(for: [ticket.origin], shownTo: principal)
            return TicketView(ticket, for: principal, organisations: names)
        }
        router.patch("/v1/tickets/:id") { request, context -> TicketView in
            let principal = try context.requirePrincipal()
            let body = try await request.decodeJSON(as: UpdateRequest.self, context: context, allowingNull: true)
            var assignee = body.assigneeId
            if let login = body.assigneeLogin {
                guard assignee == nil else {
                    throw PostboxError.invalid([.init(field: "assigneeLogin", message: "give assigneeId or assigneeLogin, not both")])
                }
                assignee = .some(try await tickets.advisorID(login: login))
            }
            let ticket = try await tickets.update(
                id: try context.parameters.require("id"), status: body.status, assigneeID: assignee,
                by: principal, ipPrefix: context.clientIP)
            let names = await organisations.names(for: [ticket.origin], shownTo: principal)
            return TicketView(ticket, for: principal, organisations: names)
        }
        router.post("/v1/tickets/:id/messages") { request, context -> Response in
            let principal = try context.requirePrincipal()
            let body = try await request.decodeJSON(as: ReplyRequest.self, context: context)
            let (message, findings) = try await tickets.reply(
                ticketID: try context.parameters.require("id"), body: body.body,
                acknowledgeSpecialCategories: body.acknowledgeSpecialCategories ?? false, by: principal,
                channel: context.channel, ipPrefix: context.clientIP)
            let names = await organisations.names(for: [message.origin], shownTo: principal)
            var view = MessageView(message, for: principal, organisations: names)
            view.findings = findings.map(FindingView.init)
            return try view.created(request, context)
        }
        router.get("/v1/tickets/:id/messages") { request, context -> Response in
            let principal = try context.requirePrincipal()
            let query = request.uri.queryParameters
            let before = try query["before"].map { raw -> Int in
                guard let n = Int(raw), (1...Int(Int32.max)).contains(n) else {
                    throw PostboxError.invalid([.init(field: "before", message: "a positive sequence number")])
                }
                return n
            }
            let limit = try Self.intParameter(query["limit"], name: "limit", default: 50)
            let ticketID: String = try context.parameters.require("id")
            // A page this reader was given before is answered again while the ticket's messages
            // are at its version; consent, access and the audited read are checked all the same.
            let key = MessagePageCache.Key(
                ticketID: ticketID, viewerID: principal.userID, role: principal.role, before: before, limit: limit)
            let keeps = pages.keeps(principal)
            let (kept, generation) = keeps ? pages.lookup(key) : (nil, 0)
            let read = try await tickets.messagePage(
                ticketID: ticketID, before: before, limit: limit, by: principal, ipPrefix: context.clientIP,
                unlessVersion: kept?.version)
            let body: ByteBuffer
            switch (read, kept) {
            case (.unchanged, let kept?):
                body = kept.body
            case (.page(let messages, let version), _):
                let oldest = messages.first?.seq ?? 0
                let next = messages.count == limit && oldest > 1 ? oldest : nil
                let names = await organisations.names(
                    ofOrganisations: messages.compactMap { $0.origin.organisationID }, shownTo: principal)
                body = MessagePage(
                    items: messages.map { MessageView($0, for: principal, organisations: names) }, nextBefore: next
                ).writtenJSON()
                if keeps { pages.store(.init(version: version, body: body), for: key, readIn: generation) }
            case (.unchanged, nil):
                preconditionFailure("a page read without a version to compare is never unchanged")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: body))
        }
        router.patch("/v1/messages/:id") { request, context -> MessageView in
            let principal = try context.requirePrincipal()
            let body = try await request.decodeJSON(as: RectifyRequest.self, context: context)
            let (message, findings) = try await tickets.rectify(
                messageID: try context.parameters.require("id"), body: body.body, reason: body.reason,
                acknowledgeSpecialCategories: body.acknowledgeSpecialCategories ?? false, by: principal,
                channel: context.channel, ipPrefix: context.clientIP)
            let names = await organisations.names(for: [message.origin], shownTo: principal)
            var view = MessageView(message, for: principal, organisations: names)
            view.findings = findings.map(FindingView.init)
            return view
        }
    }

    static func intParameter(_ raw: Substring?, name: String, default value: Int) throws -> Int {
        guard let raw else { return value }
        guard let n = Int(raw) else { throw PostboxError.invalid([.init(field: name, message: "must be a number")]) }
        return n
    }
}

extension TicketController.MessageView: ResponseEncodable {}
extension TicketController.TicketView: ResponseEncodable {}
