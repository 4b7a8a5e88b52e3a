import Foundation

/// What happens to free text in which special categories are found (issue 5).
public enum SpecialCategoryPolicy: String, Sendable, Codable, CaseIterable {
    /// 422 `special-category` with findings and suggestions, unless the writer acknowledges.
    case reject
    /// Stored; the findings come back in the response.
    case warn
    /// Stored but hidden from other parties until the DPO keeps it (messages; other fields are warned).
    case hold
}

/// Per-role policy, from configuration. Defaults: brokers reject, everyone else warns.
public struct SpecialCategorySettings: Sendable, Codable, Equatable {
    public var member: SpecialCategoryPolicy = .warn
    public var broker: SpecialCategoryPolicy = .reject
    public var advisor: SpecialCategoryPolicy = .warn
    public var dpo: SpecialCategoryPolicy = .warn
    public var admin: SpecialCategoryPolicy = .warn

    public init() {}

    public func policy(for role: Role) -> SpecialCategoryPolicy {
        switch role {
        case .member: member
        case .broker: broker
        case .advisor: advisor
        case .dpo: dpo
        case .admin: admin
        }
    }
}

/// The outcome of screening one field before it is stored.
public struct Screening: Sendable, Equatable {
    public let field: String
    public let classification: Classification
    /// Whether the entry is stored hidden until a DPO keeps it.
    public let hold: Bool

    public var flagged: Bool { !classification.isEmpty }
    public var categories: [SpecialCategory] { classification.categories }

    /// The categories as stored with the entry (`health,religious_belief`), or nil.
    public var storedCategories: String? {
        flagged ? categories.map(\.rawValue).joined(separator: ",") : nil
    }
}

/// Runs every free-text field through the classifier and applies the writer's role policy.
public struct EntryScreener: Sendable {
    let classifier: SpecialCategoryClassifier
    let settings: SpecialCategorySettings
    let metrics: PostboxMetrics

    public init(
        classifier: SpecialCategoryClassifier = .standard, settings: SpecialCategorySettings,
        metrics: PostboxMetrics = .disabled
    ) {
        self.classifier = classifier
        self.settings = settings
        self.metrics = metrics
    }

    /// Screens the fields of one request together, so one 422 lists every finding.
    ///
    /// - Parameters:
    ///   - fields: (field name, text) pairs.
    ///   - holdable: whether `hold` can apply (messages); otherwise hold acts as warn.
    /// - Throws: ``PostboxError`` `.specialCategory` under `reject` without acknowledgement.
    public func screen(
        _ fields: [(String, String)], role: Role, acknowledged: Bool, holdable: Bool
    ) throws -> [Screening] {
        let policy = settings.policy(for: role)
        let screenings = fields.map { field, text in
            let result = classifier.classify(text)
            return Screening(field: field, classification: result, hold: policy == .hold && holdable && !result.isEmpty)
        }
        let flagged = screenings.filter(\.flagged)
        let rejected = policy == .reject && !acknowledged && !flagged.isEmpty
        metrics.screened(screenings, rejected: rejected)
        if rejected {
            throw PostboxError(
                .specialCategory,
                detail: "the text reveals special categories of personal data (GDPR Art. 9); reword it or send acknowledgeSpecialCategories: true",
                fields: flagged.map { .init(field: $0.field, message: $0.categories.map(\.rawValue).joined(separator: ", ")) },
                findings: flagged.fieldFindings)
        }
        return screenings
    }
}

/// A finding together with the field it was found in.
public struct FieldFinding: Sendable, Equatable, Hashable, Codable {
    public let field: String
    public let finding: Finding

    public init(field: String, finding: Finding) {
        self.field = field
        self.finding = finding
    }
}

extension Array where Element == Screening {
    /// Every finding of these screenings with the field it was found in, for answers and problems.
    public var fieldFindings: [FieldFinding] {
        flatMap { s in s.classification.findings.map { FieldFinding(field: s.field, finding: $0) } }
    }
}
