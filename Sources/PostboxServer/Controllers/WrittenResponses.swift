import Foundation
import Hummingbird
import Postbox

// The message and ticket views are what a thread read, a post answer and a ticket list answer
// with: they write their JSON with `JSONWriter` instead of going through `JSONEncoder` (a
// quarter of the CPU of reading 50 messages or listing 50 tickets went to the encoder). Member names and the omission of nil members are those of the
// synthesised `Encodable` conformances, which stay for the views that embed these ones;
// `WrittenResponseTests` holds both outputs against each other.

extension ResponseEncodable where Self: JSONWritable {
    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: writtenJSON()))
    }
}

extension JSONWritable {
    /// The JSON of this value in a buffer of its own.
    func writtenJSON() -> ByteBuffer {
        var json = JSONWriter(capacity: estimatedJSONSize)
        write(to: &json)
        return json.withBytes { ByteBuffer(bytes: $0) }
    }
}

extension TicketController.MessagePage: JSONWritable {
    /// The bodies plus about 600 bytes of members, ids and origin per message.
    var estimatedJSONSize: Int { items.reduce(256) { $0 + $1.body.utf8.count + 640 } }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("items", items)
        if let nextBefore { json.member("nextBefore", nextBefore) }
        json.endObject()
    }
}

extension TicketController.MessageView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("id", id)
        json.member("ticketId", ticketId)
        json.member("seq", seq)
        json.member("body", body)
        json.member("authorRole", authorRole)
        json.member("mine", mine)
        json.member("createdAt", createdAt)
        json.member("editedAt", editedAt)
        json.key("specialCategories")
        json.strings(specialCategories)
        json.member("held", held)
        json.member("origin", origin)
        json.member("revisions", revisions)
        json.member("findings", findings)
        json.endObject()
    }
}

extension TicketController.MessageView.Revision: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("body", body)
        json.member("reason", reason)
        json.member("revisedBy", revisedBy)
        json.member("createdAt", createdAt)
        json.endObject()
    }
}

extension OriginView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("authorId", authorId)
        json.member("role", role)
        json.member("organisationId", organisationId)
        json.member("organisationName", organisationName)
        json.member("channel", channel)
        json.member("ipPrefix", ipPrefix)
        json.member("createdAt", createdAt)
        json.endObject()
    }
}

extension FindingView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("field", field)
        json.member("category", category)
        json.member("start", start)
        json.member("end", end)
        json.member("match", match)
        json.member("suggestion", suggestion)
        json.endObject()
    }
}

extension TicketController.TicketPage: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("items", items)
        json.member("nextCursor", nextCursor)
        json.endObject()
    }
}

extension TicketController.TicketView: JSONWritable {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.member("id", id)
        json.key("reference")
        json.beginObject()
        json.member("kind", reference.kind)
        json.member("number", reference.number)
        json.endObject()
        json.member("subject", subject)
        json.member("status", status)
        json.member("assigneeId", assigneeId)
        json.member("createdAt", createdAt)
        json.member("lastActivityAt", lastActivityAt)
        json.member("origin", origin)
        json.endObject()
    }
}
