import Foundation
import SwiftCSV

/// A parsed CSV file (SwiftCSV): the header and each row as column → value.
/// The delimiter (comma, semicolon or tab) is guessed from the header line.
struct CSVTable {
    let header: [String]
    let rows: [[String: String]]

    init(_ text: String) throws {
        let csv = try CSV<Enumerated>(string: text, delimiter: CSVDelimiter.guessed(string: text))
        let names = csv.header.map { $0.trimmingCharacters(in: .whitespaces) }
        header = names
        rows = csv.rows.map { fields in
            var row: [String: String] = [:]
            for (column, value) in zip(names, fields) { row[column] = value }
            return row
        }
    }
}
