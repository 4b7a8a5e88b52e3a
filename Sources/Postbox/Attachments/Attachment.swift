import Foundation

/// A file attached to a ticket (name decrypted; the content is read separately, chunk by chunk).
public struct Attachment: Sendable, Equatable {
    public var id: String
    public var ticketID: String
    public var name: String
    public var type: AttachmentType
    /// Size of the stored (stripped) file in bytes.
    public var size: Int
    /// Kinds of metadata removed on arrival.
    public var removedMetadata: [String]
    /// False when the type's metadata was left as it was (PDF).
    public var metadataRemoved: Bool
    /// Special categories found in the file name.
    public var categories: [SpecialCategory]
    public var origin: Origin
}

/// Limits on uploads (configuration `attachments`; every key may be left out).
public struct AttachmentSettings: Sendable, Equatable, Codable {
    /// Largest accepted file in bytes (413 above), enforced while the body arrives.
    public var maxBytes: Int = 10 << 20
    /// Most attachments one ticket may have (409 above).
    public var maxPerTicket: Int = 20

    public init() {}

    enum CodingKeys: String, CodingKey { case maxBytes, maxPerTicket }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxBytes = try c.decodeIfPresent(Int.self, forKey: .maxBytes) ?? AttachmentSettings().maxBytes
        maxPerTicket = try c.decodeIfPresent(Int.self, forKey: .maxPerTicket) ?? AttachmentSettings().maxPerTicket
    }
}

/// The decrypted content of an attachment, chunk by chunk.
public protocol AttachmentContent: Sendable {
    /// The next plaintext chunk, or nil after the last one.
    ///
    /// - Throws: ``CryptoError`` if a chunk was altered, reordered or the stream was cut short.
    mutating func next() async throws -> [UInt8]?
}
