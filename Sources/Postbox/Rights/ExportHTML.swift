import Foundation

/// The export as one self-contained, readable HTML page (no scripts, no external resources);
/// the same data as the JSON document.
public struct ExportHTMLRenderer: ExportRenderer {
    public var contentType: String { "text/html; charset=utf-8" }
    var section: String?
    let dates: ISO8601DateFormatter

    public init() {
        dates = ISO8601DateFormatter()
    }

    /// Text made safe for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    func date(_ value: Date?) -> String { value.map { dates.string(from: $0) } ?? "—" }

    /// A definition list of label/value rows; nil values are left out.
    func rows(_ pairs: [(String, String?)]) -> String {
        "<dl>"
            + pairs.compactMap { label, value in
                value.map { "<dt>\(Self.escape(label))</dt><dd>\(Self.escape($0))</dd>" }
            }.joined() + "</dl>"
    }

    func origin(_ o: SubjectExport.Origin) -> String {
        let organisation = o.organisation.map { "\($0.name) (\($0.id))" }
        let reference = o.reference.map { "\($0.kind) \($0.number)" }
        return "<div class=origin>"
            + rows([
                ("Written by", o.authorId.map { "\($0) (\(o.role ?? "unknown role"))" } ?? "system"),
                ("Organisation", organisation), ("Channel", o.channel), ("At", date(o.createdAt)),
                ("Shortened IP", o.ipPrefix), ("Through", reference),
            ]) + "</div>"
    }

    func categories(_ list: [SpecialCategory]) -> String? {
        list.isEmpty ? nil : list.map(\.rawValue).joined(separator: ", ")
    }

    mutating func enter(_ title: String) -> String {
        guard section != title else { return "" }
        defer { section = title }
        return (section == nil ? "" : "</section>") + "<section><h2>\(Self.escape(title))</h2>"
    }

    public mutating func render(_ part: ExportPart) throws -> [UInt8] {
        let html: String
        switch part {
        case .header(let h):
            html = """
                <!doctype html><html lang=en><head><meta charset=utf-8>\
                <meta name=viewport content="width=device-width,initial-scale=1">\
                <title>Your data in the postbox</title><style>\
                body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}\
                h1{font-size:1.6rem}h2{border-bottom:1px solid #ccc;margin-top:2rem}\
                article{border:1px solid #ddd;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0}\
                dl{display:grid;grid-template-columns:12rem 1fr;gap:.15rem .8rem;margin:.3rem 0}dt{color:#555}dd{margin:0}\
                .origin{background:#f6f6f6;border-radius:4px;padding:.2rem .6rem;font-size:.9em}\
                pre{white-space:pre-wrap;font:inherit;margin:.4rem 0}\
                </style></head><body><h1>Your data in the postbox</h1>
                """
                + rows([
                    ("Schema", h.schema), ("Generated", date(h.generatedAt)), ("Subject", h.subject.id),
                    ("Restricted since", h.subject.restrictedAt.map { date($0) }),
                    ("Erased at", h.subject.erasedAt.map { date($0) }),
                ])
                + "<h2>Controller</h2>"
                + rows([
                    ("Name", h.controller.name), ("Address", h.controller.address), ("E-mail", h.controller.email),
                    ("Data-protection officer", h.controller.dataProtectionOfficer),
                    ("Supervisory authority", h.supervisoryAuthority),
                ])
                + "<h2>Purposes and legal bases</h2>" + rows(h.purposes.map { ($0.purpose, $0.legalBasis) })
                + "<h2>Recipients</h2><ul>" + h.recipients.map { "<li>\(Self.escape($0))</li>" }.joined() + "</ul>"
                + "<h2>Retention</h2>" + rows(h.retention.map { ($0.entries, $0.period) })
                + "<h2>Notes</h2><ul>" + h.notes.map { "<li>\(Self.escape($0))</li>" }.joined() + "</ul>"
        case .account(let a):
            html =
                enter("Accounts") + "<article><h3>Account \(Self.escape(a.login))</h3>"
                + rows([
                    ("Id", a.id), ("Role", a.role), ("Status", a.status), ("Name", a.displayName),
                    ("Member number", a.memberNumber), ("Organisation", a.organisation?.name),
                    ("Created", date(a.createdAt)),
                ])
                + a.consents.map {
                    rows([
                        ("Consent to terms", $0.version), ("Accepted", date($0.acceptedAt)),
                        ("Withdrawn", $0.withdrawnAt.map { date($0) }), ("Shortened IP", $0.ipPrefix),
                    ])
                }.joined() + "</article>"
        case .contract(let c):
            html =
                enter("Contracts") + "<article><h3>Contract \(Self.escape(c.number))</h3>"
                + rows([
                    ("Holder", [c.holder.firstName, c.holder.surname].compactMap { $0 }.joined(separator: " ")),
                    ("Member number", c.holder.memberNumber), ("Advisor", c.advisorId),
                    ("Ended", c.endsAt.map { date($0) }),
                ]) + origin(c.origin) + "</article>"
        case .referral(let r):
            let d = r.details
            html =
                enter("Referrals") + "<article><h3>Referral \(Self.escape(r.number))</h3>"
                + rows([
                    ("Service number", r.serviceNumber), ("Surname", d.surname), ("First name", d.firstName),
                    ("Phone", d.phone), ("Licence plate", d.licensePlate), ("Policy number", d.policyNumber),
                    ("E-mail", d.email), ("Damage", d.damageType?.rawValue), ("Remarks", d.remarks),
                    ("Consent to pass on", d.consent ? "yes" : "no"),
                    ("Special categories", categories(r.specialCategories)),
                ]) + origin(r.origin) + "</article>"
        case .ticket(let t):
            html =
                enter("Tickets") + "<article><h3>\(Self.escape(t.title))</h3>"
                + rows([
                    ("Id", t.id), ("Status", t.status), ("Closed", t.closedAt.map { date($0) }),
                    ("Last activity", date(t.lastActivityAt)), ("Special categories", categories(t.specialCategories)),
                    ("Kept because", t.holdReason),
                ]) + origin(t.origin)
        case .message(let m):
            html =
                "<article><h4>Message \(m.seq)</h4><pre>\(Self.escape(m.body))</pre>"
                + rows([
                    ("Held for review", m.held ? "yes" : nil), ("Special categories", categories(m.specialCategories)),
                    ("Edited", m.editedAt.map { date($0) }),
                ])
                + m.revisions.map {
                    "<details><summary>Earlier version (\(Self.escape(date($0.createdAt))))</summary><pre>\(Self.escape($0.body))</pre>"
                        + rows([("Reason", $0.reason), ("Changed by", $0.revisedBy)]) + "</details>"
                }.joined() + origin(m.origin) + "</article>"
        case .attachment(let a, _):
            html = "<article><h4>Attachment \(Self.escape(a.name))</h4>"
                + rows([
                    ("Type", a.contentType), ("Size", "\(a.size) bytes"), ("File in the zip export", a.file),
                    ("Metadata removed on arrival", a.metadataRemoved ? (a.removedMetadata.isEmpty ? "none found" : a.removedMetadata.joined(separator: ", ")) : "not removed (PDF)"),
                    ("Special categories in the name", categories(a.specialCategories)),
                ]) + origin(a.origin) + "</article>"
        case .ticketEnd:
            html = "</article>"
        case .review(let r):
            html =
                enter("Reviews of special categories") + "<article>"
                + rows([
                    ("Entry", "\(r.objectType) \(r.objectId)"), ("Field", r.field),
                    ("Categories", categories(r.categories)), ("Status", r.status), ("Decision", r.decision),
                    ("Reason", r.reason), ("Decided by", r.decidedBy), ("Decided", r.decidedAt.map { date($0) }),
                    ("Flagged", date(r.createdAt)),
                ]) + "</article>"
        case .audit(let e):
            let head =
                section == "Audit events of your account"
                ? ""
                : enter("Audit events of your account")
                    + "<table><tr><th>#</th><th>At</th><th>Action</th><th>Object</th><th>Outcome</th><th>Shortened IP</th></tr>"
            html =
                head
                + "<tr><td>\(e.seq)</td><td>\(Self.escape(date(e.at)))</td><td>\(Self.escape(e.action))</td>"
                + "<td>\(Self.escape([e.objectType, e.objectId].compactMap { $0 }.joined(separator: " ")))</td>"
                + "<td>\(Self.escape(e.outcome))</td><td>\(Self.escape(e.ipPrefix ?? ""))</td></tr>"
        case .end:
            html =
                (section == "Audit events of your account" ? "</table>" : "") + (section == nil ? "" : "</section>")
                + "</body></html>\n"
        }
        return Array(html.utf8)
    }
}
