import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import PostboxTestSupport
import Testing

@testable import PostboxServer

@Suite("Errors are problem+json")
struct ProblemTests {
    func expectProblem(_ response: CollectedResponse, status: Int, type slug: String) throws {
        #expect(response.status == status)
        #expect(response.header("content-type") == "application/problem+json")
        let body = try response.json()
        #expect(body["type"] as? String == "urn:postbox:problem:\(slug)")
        #expect(body["status"] as? Int == status)
        #expect(body["title"] is String)
        let text = String(decoding: response.body, as: UTF8.self)
        for leak in ["Swift", "Error(", "DecodingError", ".swift", "GRDB", "SQLite"] {
            #expect(!text.contains(leak), "leaks \(leak)")
        }
    }

    @Test func oversizeBodyIs413() async throws {
        try await TestServer.run(configure: { $0.limits.maxRequestBodyBytes = 4096 }) { server in
            let big = Data(repeating: UInt8(ascii: "a"), count: 10_000)
            let response = try await server.client.send(
                .POST, server.url("/v1/activate"), headers: [("Content-Type", "application/json")], body: big)
            try expectProblem(response, status: 413, type: "payload-too-large")
        }
    }

    @Test func oversizeBodyWithoutContentLengthIs413() async throws {
        try await TestServer.run(configure: { $0.limits.maxRequestBodyBytes = 4096 }) { server in
            var request = HTTPClientRequest(url: server.url("/v1/activate"))
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            let chunks = (0..<10).map { _ in ByteBuffer(repeating: UInt8(ascii: "a"), count: 1000) }
            request.body = .stream(chunks.async, length: .unknown)
            let response = try await server.client.execute(request, timeout: .seconds(30))
            #expect(response.status.code == 413)
            #expect(response.headers.first(name: "content-type") == "application/problem+json")
        }
    }

    /// A path the API has, asked with a method it does not answer, is 405 with `Allow`; a path it
    /// does not have is 404; a matched route goes on to its handler whatever other routes exist.
    @Test func aKnownPathWithAnotherMethodIs405NamingTheMethodsItAnswers() async throws {
        try await TestServer.run { server in
            let list = try await server.client.send(.DELETE, server.url("/v1/tickets"))
            try expectProblem(list, status: 405, type: "method-not-allowed")
            #expect(list.header("allow") == "GET, POST")
            let thread = try await server.client.send(.PUT, server.url("/v1/tickets/0190a0b0-0000-7000-8000-000000000000/messages"))
            try expectProblem(thread, status: 405, type: "method-not-allowed")
            #expect(thread.header("allow") == "GET, POST")
            try expectProblem(try await server.client.send(.GET, server.url("/v1/nothing-here")), status: 404, type: "not-found")
            // Matched routes reach their handler (here: no session, 401), not the 405 check.
            try expectProblem(try await server.client.send(.GET, server.url("/v1/tickets")), status: 401, type: "unauthorised")
            try expectProblem(
                try await server.client.send(.POST, server.url("/v1/tickets/0190a0b0-0000-7000-8000-000000000000/messages")),
                status: 401, type: "unauthorised")
        }
    }

    @Test func malformedJSONIs400() async throws {
        try await TestServer.run { server in
            for bad in [Data(#"{"login": "#.utf8), Data([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])] {
                let response = try await server.client.send(
                    .POST, server.url("/v1/activate"), headers: [("Content-Type", "application/json")], body: bad)
                try expectProblem(response, status: 400, type: "malformed-request")
            }
        }
    }

    @Test func missingOrMistypedFieldsAre422NamingTheField() async throws {
        try await TestServer.run { server in
            let missing = try await server.client.sendJSON(.POST, server.url("/v1/activate"), ["login": "admin"])
            try expectProblem(missing, status: 422, type: "validation-failed")
            let fields = try missing.json()["errors"] as? [[String: Any]]
            #expect(fields?.first?["field"] as? String == "activationCode")

            let mistyped = try await server.client.sendJSON(
                .POST, server.url("/v1/activate"), ["login": 42, "activationCode": "x", "password": "y"])
            try expectProblem(mistyped, status: 422, type: "validation-failed")
            #expect((try mistyped.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "login")
        }
    }

    @Test func wrongMediaTypeIs415() async throws {
        try await TestServer.run { server in
            let response = try await server.client.send(
                .POST, server.url("/v1/activate"), headers: [("Content-Type", "text/plain")], body: Data("x".utf8))
            try expectProblem(response, status: 415, type: "unsupported-media-type")
        }
    }

    /// A media type is compared without regard to case; only JSON is taken.
    @Test func theMediaTypeIsJSONInAnyCase() async throws {
        try await TestServer.run { server in
            for accepted in ["APPLICATION/JSON", "Application/Json; charset=utf-8"] {
                let response = try await server.client.send(
                    .POST, server.url("/v1/activate"), headers: [("Content-Type", accepted)], body: Data("{}".utf8))
                try expectProblem(response, status: 422, type: "validation-failed")
            }
            for refused in ["text/json", "application/jso", "applicatio/json"] {
                let response = try await server.client.send(
                    .POST, server.url("/v1/activate"), headers: [("Content-Type", refused)], body: Data("{}".utf8))
                try expectProblem(response, status: 415, type: "unsupported-media-type")
            }
        }
    }

    /// `null` for a field is 422 (a field is given or left out); the word inside a text is text.
    @Test func nullIsRefusedOutsideTextsOnly() async throws {
        try await TestServer.run { server in
            for body in [#"{"login": null}"#, #"{"login":"a","activationCode":[null],"password":"b"}"#] {
                let response = try await server.client.send(
                    .POST, server.url("/v1/activate"), headers: [("Content-Type", "application/json")],
                    body: Data(body.utf8))
                try expectProblem(response, status: 422, type: "validation-failed")
                let error = (try response.json()["errors"] as? [[String: Any]])?.first
                #expect(error?["message"] as? String == "null is not accepted; leave the field out", "\(body)")
            }
            let text = try await server.client.send(
                .POST, server.url("/v1/activate"), headers: [("Content-Type", "application/json")],
                body: Data(#"{"login": "null \" null", "activationCode": 7}"#.utf8))
            try expectProblem(text, status: 422, type: "validation-failed")
            let error = (try text.json()["errors"] as? [[String: Any]])?.first
            #expect(error?["field"] as? String == "activationCode", "the texts passed the null check")
        }
    }

    /// The byte scan for `null` answers as a plain reading of the JSON text does, on 20,000
    /// generated texts of quotes, escapes, letters and the word itself.
    @Test func theNullScanAgreesWithAPlainReading() {
        func plain(_ bytes: [UInt8]) -> Bool {
            var inString = false, escaped = false, previous: UInt8 = 0
            for (index, byte) in bytes.enumerated() {
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                } else if byte == UInt8(ascii: "\"") {
                    inString = true
                } else if byte == UInt8(ascii: "n"), !(UInt8(ascii: "a")...UInt8(ascii: "z")).contains(previous),
                    Array(bytes[index...].prefix(4)) == Array("null".utf8)
                {
                    return true
                }
                previous = byte
            }
            return false
        }
        let pieces = ["\"", "\\", "null", "nul", "n", "u", "l", "a", " ", ":", "{", "}", "[", ",", "\\\"", "é"]
        var generator = SystemRandomNumberGenerator()
        var found = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...24, using: &generator))
                .map { _ in pieces.randomElement(using: &generator)! }.joined()
            let bytes = Array(text.utf8)
            let scanned = Request.containsNull(ByteBuffer(bytes: bytes))
            #expect(scanned == plain(bytes), "\(text)")
            if scanned { found += 1 }
        }
        #expect(found > 2_000 && found < 18_000, "null found in \(found) of 20,000")
    }

    @Test func unknownRouteIs404Problem() async throws {
        try await TestServer.run { server in
            try expectProblem(try await server.client.send(.GET, server.url("/v1/nothing-here")), status: 404, type: "not-found")
        }
    }
}

extension Array where Element: Sendable {
    /// The elements as an `AsyncSequence`, for streaming request bodies.
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
