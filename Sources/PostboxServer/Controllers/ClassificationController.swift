import Foundation
import Hummingbird
import Postbox

/// A special-category finding as the API shows it.
struct FindingView: Codable, Sendable {
    let field: String?
    let category: String
    let start: Int
    let end: Int
    let match: String
    let suggestion: String?

    init(_ f: FieldFinding) {
        self.init(f.finding, field: f.field)
    }

    init(_ f: Finding, field: String? = nil) {
        self.field = field
        category = f.category.rawValue
        start = f.start
        end = f.end
        match = f.match
        suggestion = f.suggestion
    }
}

/// `POST /v1/classify`: findings for as-you-type checks in clients (any authenticated role).
struct ClassificationController {
    let maxLength: Int

    struct ClassifyRequest: Decodable {
        let text: String
    }

    struct ClassifyResponse: ResponseEncodable {
        let categories: [String]
        let findings: [FindingView]
    }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.post("/v1/classify") { request, context -> ClassifyResponse in
            _ = try context.requirePrincipal()
            let body = try await request.decodeJSON(as: ClassifyRequest.self, context: context)
            guard body.text.unicodeScalars.count <= maxLength else {
                throw PostboxError.invalid([.init(field: "text", message: "at most \(maxLength) characters")])
            }
            let result = SpecialCategoryClassifier.standard.classify(body.text)
            return ClassifyResponse(
                categories: result.categories.map(\.rawValue), findings: result.findings.map { FindingView($0) })
        }
    }
}

/// `GET /v1/review`, `POST /v1/review/{id}`: the DPO's queue of flagged entries.
struct ReviewController {
    let reviews: ReviewService
    let organisations: OrganisationNames

    struct DecisionRequest: Decodable {
        let action: ReviewAction
        let reason: String
    }

    struct ItemView: ResponseEncodable {
        let id: String
        let objectType: String
        let objectId: String
        let ticketId: String?
        let referenceId: String?
        let field: String
        let categories: [String]
        let status: String
        let held: Bool
        let text: String?
        let authorId: String?
        let authorRole: String?
        let origin: OriginView?
        let createdAt: Date
        let decision: String?
        let decidedBy: String?
        let decidedAt: Date?

        init(_ i: ReviewItem, organisations: [String: String]) {
            id = i.id
            objectType = i.objectType
            objectId = i.objectID
            ticketId = i.ticketID
            referenceId = i.referenceID
            field = i.field
            categories = i.categories.map(\.rawValue)
            status = i.status.rawValue
            held = i.held
            text = i.text
            authorId = i.authorID
            authorRole = i.authorRole
            origin = i.origin.map { OriginView($0, organisations: organisations) }
            createdAt = i.createdAt
            decision = i.decision
            decidedBy = i.decidedBy
            decidedAt = i.decidedAt
        }
    }

    struct Page: ResponseEncodable {
        let items: [ItemView]
    }

    func addRoutes(to router: Router<PostboxRequestContext>) {
        router.get("/v1/review") { request, context -> Page in
            let principal = try context.requirePrincipal()
            var status: ReviewItem.Status? = .open
            if let raw = request.uri.queryParameters["status"] {
                if raw == "all" {
                    status = nil
                } else {
                    guard let parsed = ReviewItem.Status(rawValue: String(raw)) else {
                        throw PostboxError.invalid([.init(field: "status", message: "open, kept, redacted, deleted or all")])
                    }
                    status = parsed
                }
            }
            let items = try await reviews.items(status: status, by: principal)
            let names = await organisations.names(ofOrganisations: items.compactMap { $0.origin?.organisationID })
            return Page(items: items.map { ItemView($0, organisations: names) })
        }
        router.post("/v1/review/:id") { request, context -> ItemView in
            let principal = try context.requirePrincipal()
            let body = try await request.decodeJSON(as: DecisionRequest.self, context: context)
            let item = try await reviews.decide(
                id: try context.parameters.require("id"), action: body.action, reason: body.reason, by: principal,
                ipPrefix: context.clientIP)
            return ItemView(item, organisations: await organisations.names(for: item.origin.map { [$0] } ?? []))
        }
    }
}
