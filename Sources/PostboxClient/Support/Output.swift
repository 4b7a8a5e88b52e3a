import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How output looks: tables for people, JSON for scripts.
enum Output {
    /// Whether standard output is a terminal.
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Bold headers only on a terminal, never with `NO_COLOR` set or `TERM=dumb`.
    static var usesStyle: Bool {
        let env = ProcessInfo.processInfo.environment
        return isTerminal && env["NO_COLOR"] == nil && env["TERM"] != "dumb"
    }

    /// Width of the terminal, or nil when output goes to a file or pipe (then nothing is cut).
    static var width: Int? {
        guard isTerminal else { return nil }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80
    }

    /// Text from the server made safe for a terminal: no escape sequences or other control
    /// characters; newlines kept only when `multiline`.
    static func clean(_ text: String, multiline: Bool = false) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar -> Unicode.Scalar in
                    if scalar == "\n", multiline { return scalar }
                    if scalar == "\t" || scalar == "\n" || scalar == "\r" { return " " }
                    let category = scalar.properties.generalCategory
                    return category == .control || category == .format ? "\u{FFFD}" : scalar
                }))
    }

    /// Prints the server's JSON answer unchanged (the shape documented in openapi.yaml).
    static func printJSON(_ data: Data) {
        print(String(decoding: data, as: UTF8.self))
    }

    /// Prints `value` as JSON (for shapes the CLI puts together).
    static func printJSON(object value: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
        printJSON(data)
    }

    /// A date from the API (ISO 8601) as `yyyy-MM-dd HH:mm` UTC, or the text itself.
    static func date(_ value: Any?) -> String {
        guard let text = value as? String else { return "" }
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime]
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = parser.date(from: text) ?? fractional.date(from: text) else { return text }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}

/// An aligned table. When the terminal is too narrow the last column is shortened with "…".
struct Table {
    let headers: [String]
    var rows: [[String]] = []

    init(_ headers: [String]) { self.headers = headers }

    mutating func add(_ cells: [String]) {
        rows.append(cells.map { Output.clean($0) })
    }

    func render(width: Int? = Output.width, styled: Bool = Output.usesStyle) -> String {
        guard !rows.isEmpty else { return "" }
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        if let width, let last = widths.indices.last {
            let fixed = widths.dropLast().reduce(0) { $0 + $1 + 2 }
            widths[last] = max(8, min(widths[last], width - fixed))
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let limit = widths[index]
                let text = cell.count > limit ? String(cell.prefix(limit - 1)) + "…" : cell
                return index == cells.count - 1 ? text : text.padding(toLength: limit, withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        let header = line(headers)
        return ([styled ? "\u{1B}[1m\(header)\u{1B}[0m" : header] + rows.map(line)).joined(separator: "\n")
    }

    /// Prints the table, or `empty` when there are no rows.
    func print(empty: String) {
        Swift.print(rows.isEmpty ? empty : render())
    }
}

/// Asks a yes/no question on the terminal. Only asks when standard input is a terminal (a
/// pipe carries data, and scripts must say `--yes`); otherwise the answer is no.
func confirm(_ question: String) -> Bool {
    guard isatty(STDIN_FILENO) == 1, let tty = fopen("/dev/tty", "r+") else { return false }
    defer { fclose(tty) }
    fputs("\(question) [y/N] ", tty)
    fflush(tty)
    var buffer = [CChar](repeating: 0, count: 64)
    guard fgets(&buffer, Int32(buffer.count), tty) != nil else { return false }
    let line = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    let answer = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    return answer == "y" || answer == "yes"
}

/// A file of personal data written as it arrives: under a temporary name beside `path` (mode
/// 0600, created new), renamed to `path` when ``commit()`` has synced it, and deleted by
/// ``discard()``; so `path` is either the whole download or left as it was.
struct PrivateFileWriter {
    let path: String
    private let temporary: String
    private let handle: FileHandle

    init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).part").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            throw CLIError(title: "Cannot write", detail: "\(path): \(String(cString: strerror(errno)))", exitCode: 1)
        }
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    func write(_ bytes: some Collection<UInt8>) throws {
        do {
            try handle.write(contentsOf: Data(bytes))
        } catch {
            discard()
            throw CLIError(title: "Cannot write", detail: "\(path): \(error.localizedDescription)", exitCode: 1)
        }
    }

    func commit() throws {
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            discard()
            throw CLIError(title: "Cannot write", detail: "\(path): \(error.localizedDescription)", exitCode: 1)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw CLIError(title: "Cannot write", detail: "\(path): \(reason)", exitCode: 1)
        }
    }

    func discard() {
        try? handle.close()
        unlink(temporary)
    }
}

/// Reads all of standard input as UTF-8 text.
func readStandardInput() -> String {
    String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
}
