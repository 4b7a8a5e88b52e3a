import ArgumentParser
import Foundation
import Postbox

extension PostboxServerCommand {
    /// `postbox-server classify`: JSON lines in, one classification per line out.
    struct Classify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Classify JSON lines {\"id\",\"text\"} from stdin for special categories (GDPR Art. 9).",
            discussion: """
                Writes {"id","categories","findings"} per input line to stdout, in order. A malformed line yields
                {"id" (or "line"), "error"} and processing continues. Needs no data directory; the lexicon is built in.
                Offsets (start, end) count Unicode scalars (code points) of the text.
                """)

        @Flag(help: "Print the lexicon version and exit.") var version = false

        struct Input: Decodable {
            let id: ID?
            let text: String

            /// Ids may be strings or numbers.
            enum ID: Decodable, Encodable {
                case string(String)
                case number(Double)

                init(from decoder: any Decoder) throws {
                    let c = try decoder.singleValueContainer()
                    if let s = try? c.decode(String.self) { self = .string(s) } else { self = .number(try c.decode(Double.self)) }
                }

                func encode(to encoder: any Encoder) throws {
                    var c = encoder.singleValueContainer()
                    switch self {
                    case .string(let s): try c.encode(s)
                    case .number(let n): try n == n.rounded() ? c.encode(Int(n)) : c.encode(n)
                    }
                }
            }
        }

        struct Output: Encodable {
            let id: Input.ID?
            let categories: [SpecialCategory]
            let findings: [Finding]
        }

        struct Failure: Encodable {
            let id: Input.ID?
            let line: Int
            let error: String
        }

        func run() async throws {
            let classifier = SpecialCategoryClassifier.standard
            if version {
                print(classifier.lexiconVersion)
                return
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let decoder = JSONDecoder()
            var number = 0
            let out = FileHandle.standardOutput
            while let line = readLine(strippingNewline: true) {
                number += 1
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                let data = Data(line.utf8)
                let encoded: Data
                if let input = try? decoder.decode(Input.self, from: data) {
                    let result = classifier.classify(input.text)
                    encoded = try encoder.encode(Output(id: input.id, categories: result.categories, findings: result.findings))
                } else {
                    let id = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"]
                    let inputID: Input.ID? = (id as? String).map { .string($0) } ?? (id as? Double).map { .number($0) }
                    encoded = try encoder.encode(
                        Failure(id: inputID, line: number, error: "expected a JSON object with a string \"text\""))
                }
                out.write(encoded + Data("\n".utf8))
            }
        }
    }
}
