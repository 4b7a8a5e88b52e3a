import Foundation

/// Turns export parts into bytes of one document format, part by part.
public protocol ExportRenderer {
    /// The media type of the document.
    var contentType: String { get }
    mutating func render(_ part: ExportPart) throws -> [UInt8]
}

/// The JSON document of schema `postbox-export/1`: the header's fields, then the arrays
/// `accounts`, `contracts`, `referrals`, `tickets` (each with its `messages`), `reviews`,
/// `auditEvents` — always all of them, empty when there is nothing.
public struct ExportJSONRenderer: ExportRenderer {
    enum Section: Int, CaseIterable {
        case accounts, contracts, referrals, tickets, reviews, auditEvents
    }

    public var contentType: String { "application/json" }
    let encoder: JSONEncoder
    var section: Section?
    /// Arrays written so far (the first needs no comma: the header's fields end with one).
    var arrays = 0
    var firstMessage = true
    var attachments = 0

    /// Attachments as base64 in the document (true), or only their path in the zip (false).
    let embedsAttachments: Bool

    public init(embedsAttachments: Bool = true) {
        self.embedsAttachments = embedsAttachments
        encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
    }

    /// `value` as a JSON object without its closing brace, so more keys can follow.
    func openObject(_ value: some Encodable) throws -> [UInt8] {
        var bytes = [UInt8](try encoder.encode(value))
        guard bytes.last == UInt8(ascii: "}") else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "not an object"))
        }
        bytes.removeLast()
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        return bytes
    }

    /// The separator before an item of `next`: a comma within the current array, or closing
    /// the current array and opening `next` (with empty arrays for the sections in between).
    mutating func move(to next: Section?) -> [UInt8] {
        if let next, next == section {
            return [UInt8(ascii: ",")]
        }
        var out: [UInt8] = []
        let from: Int
        if let section {
            out += [UInt8(ascii: "]")]
            from = section.rawValue + 1
        } else {
            from = 0
        }
        for index in from..<(next?.rawValue ?? Section.allCases.count) {
            out += Array(((arrays > 0 ? "," : "") + "\"\(Section.allCases[index])\":[]").utf8)
            arrays += 1
        }
        if let next {
            out += Array(((arrays > 0 ? "," : "") + "\"\(next)\":[").utf8)
            arrays += 1
        }
        section = next
        return out
    }

    public mutating func render(_ part: ExportPart) throws -> [UInt8] {
        switch part {
        case .header(let header):
            return try openObject(header)
        case .account(let account):
            return move(to: .accounts) + (try encoder.encode(account))
        case .contract(let contract):
            return move(to: .contracts) + (try encoder.encode(contract))
        case .referral(let referral):
            return move(to: .referrals) + (try encoder.encode(referral))
        case .ticket(let ticket):
            firstMessage = true
            attachments = 0
            return move(to: .tickets) + (try openObject(ticket)) + Array("\"messages\":[".utf8)
        case .message(let message):
            defer { firstMessage = false }
            return (firstMessage ? [] : [UInt8(ascii: ",")]) + (try encoder.encode(message))
        case .attachment(let attachment, let content):
            var entry = attachment
            if embedsAttachments {
                entry.content = Data(content).base64EncodedString()
                entry.file = nil
            }
            defer { attachments += 1 }
            return Array((attachments == 0 ? "],\"attachments\":[" : ",").utf8) + (try encoder.encode(entry))
        case .ticketEnd:
            return Array((attachments == 0 ? "],\"attachments\":[]}" : "]}").utf8)
        case .review(let review):
            return move(to: .reviews) + (try encoder.encode(review))
        case .audit(let event):
            return move(to: .auditEvents) + (try encoder.encode(event))
        case .end:
            return move(to: nil) + [UInt8(ascii: "}")]
        }
    }
}
