import CoreMetrics

/// What the core counts for operators: logins by outcome and the special categories found in
/// what is written.
///
/// Recorded through the swift-metrics API with the factory the server passes in (its
/// Prometheus registry), so that every server, and every test server, has figures of its own.
/// Every series is made up front, so that a scrape shows zeros rather than nothing. Labels carry
/// fixed words only: never a login, an address, a text or an id.
public struct PostboxMetrics: Sendable {
    /// How a login attempt ended.
    public enum LoginOutcome: String, Sendable, CaseIterable {
        /// A session was opened.
        case success
        /// Unknown login, wrong password or an account that is not active (401).
        case failure
        /// Refused without checking, because the login or the address is locked (429).
        case throttled
    }

    /// What screening did with a field in which a special category was found.
    public enum FlagOutcome: String, Sendable, CaseIterable {
        /// Refused with 422 `special-category` (policy `reject`, not acknowledged).
        case rejected
        /// Accepted, hidden from other parties until the DPO keeps it (policy `hold`).
        case held
        /// Accepted as written (policy `warn`, or `reject` acknowledged by the writer).
        case stored
    }

    private let logins: [LoginOutcome: Counter]
    private let lockouts: Counter
    private let screenedFields: Counter
    private let flags: [SpecialCategory: [FlagOutcome: Counter]]

    public init(factory: any MetricsFactory) {
        logins = Dictionary(uniqueKeysWithValues: LoginOutcome.allCases.map {
            ($0, Counter(label: "postbox_logins_total", dimensions: [("outcome", $0.rawValue)], factory: factory))
        })
        lockouts = Counter(label: "postbox_login_lockouts_total", factory: factory)
        screenedFields = Counter(label: "postbox_screened_fields_total", factory: factory)
        flags = Dictionary(uniqueKeysWithValues: SpecialCategory.allCases.map { category in
            (category, Dictionary(uniqueKeysWithValues: FlagOutcome.allCases.map {
                ($0, Counter(
                    label: "postbox_special_category_flags_total",
                    dimensions: [("category", category.rawValue), ("outcome", $0.rawValue)], factory: factory))
            }))
        })
    }

    /// Records nothing (benchmarks, tools).
    public static let disabled = PostboxMetrics(factory: NOOPMetricsHandler.instance)

    func login(_ outcome: LoginOutcome) {
        logins[outcome]?.increment()
    }

    func loginLocked() {
        lockouts.increment()
    }

    /// Counts one request's screened fields and, per field, each category found in it.
    func screened(_ screenings: [Screening], rejected: Bool) {
        screenedFields.increment(by: screenings.count)
        for screening in screenings where screening.flagged {
            let outcome: FlagOutcome = rejected ? .rejected : screening.hold ? .held : .stored
            for category in screening.categories {
                flags[category]?[outcome]?.increment()
            }
        }
    }
}
