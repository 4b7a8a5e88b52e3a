import Foundation

/// The DPO's review of flagged entries: list, keep, redact, delete. Each decision is audited.
public struct ReviewService: Sendable {
    let reviews: any ReviewRepository
    let classifier: SpecialCategoryClassifier

    public init(reviews: any ReviewRepository, classifier: SpecialCategoryClassifier = .standard) {
        self.reviews = reviews
        self.classifier = classifier
    }

    /// The queue (open items by default).
    public func items(status: ReviewItem.Status?, by principal: Principal) async throws -> [ReviewItem] {
        try ReviewRule().require(principal)
        return try await reviews.items(status: status, limit: 500)
    }

    /// Decides an item. Redaction replaces every span the classifier finds with "[entfernt]".
    public func decide(id: String, action: ReviewAction, reason: String, by principal: Principal, ipPrefix: String?)
        async throws -> ReviewItem
    {
        try ReviewRule().require(principal)
        guard let why = FreeText.clean(reason, multiline: false, maxLength: 500), !why.isEmpty else {
            throw PostboxError.invalid([.init(field: "reason", message: "1-500 printable characters")])
        }
        let classifier = self.classifier
        return try await reviews.decide(
            id: id, action: action, reason: why, by: principal, redact: { Self.redact($0, classifier: classifier) },
            audit: .by(principal.actor(ipPrefix: ipPrefix), AuditAction(rawValue: "review.\(action.rawValue)")))
    }

    /// `text` with each finding's span replaced by "[entfernt]".
    public static func redact(_ text: String, classifier: SpecialCategoryClassifier) -> String {
        var scalars = Array(text.unicodeScalars)
        let spans = classifier.classify(text).findings.map { $0.start..<$0.end }
        // Merge overlapping spans, then replace from the end so offsets stay valid.
        var merged: [Range<Int>] = []
        for span in spans.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, span.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, span.upperBound)
            } else {
                merged.append(span)
            }
        }
        for span in merged.reversed() {
            scalars.replaceSubrange(span, with: Array(GRDBReviewRepository.redactionMark.unicodeScalars))
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
