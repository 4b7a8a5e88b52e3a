import HTTPTypes
import Testing

@testable import PostboxServer

@Suite("Header values")
struct HeaderValueTests {
    /// `value(of:)` answers as the fields' own subscript: none, one, several joined (cookies with
    /// "; "), whatever the case of the name as sent and wherever the fields stand.
    @Test func aValueIsTheSubscriptsValue() throws {
        let custom = try #require(HTTPField.Name("X-Postbox-Channel"))
        let sent = try #require(HTTPField.Name("x-POSTBOX-channel"))
        var fields: HTTPFields = [.contentType: "application/json", .accept: "*/*"]
        fields.append(HTTPField(name: sent, value: "cli"))
        let multiple: HTTPFields = [
            .accept: "text/html", .contentType: "a", .cookie: "x=1", .accept: "application/json", .cookie: "y=2",
        ]
        for (fields, name) in [
            (fields, HTTPField.Name.contentType), (fields, .accept), (fields, custom), (fields, .authorization),
            (multiple, .accept), (multiple, .cookie), (multiple, .contentType), (HTTPFields(), .accept),
        ] {
            #expect(fields.value(of: name) == fields[name], "\(name) in \(fields)")
        }
        #expect(fields.value(of: custom) == "cli")
        #expect(multiple.value(of: .accept) == "text/html, application/json")
        #expect(multiple.value(of: .cookie) == "x=1; y=2")
        #expect(multiple.value(of: .authorization) == nil)
    }
}
