import GRDB
import GRDBSQLite

/// Statements the store runs on every request are prepared once per connection and reused:
/// compiling SQL (and GRDB's authorizer callbacks while compiling) cost more than running it.
///
/// Two forms. An `SQL` literal turns interpolated values into arguments, so one SQL text serves
/// every call; building that text walks the literal on each call. The hottest statements (the
/// session, a ticket's scope, posting, the audit append, a page of messages) therefore give
/// their SQL text as a constant and their values as arguments, which skips the building.
extension Database {
    /// Runs `literal` through the connection's statement cache.
    func run(literal: SQL) throws {
        try cachedStatement(literal: literal).execute()
    }

    /// Runs the constant `sql` with `arguments` through the connection's statement cache.
    func run(sql: String, _ arguments: StatementArguments) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// `body` applied to the first row of the constant `sql` with `arguments` (through the
    /// statement cache), or nil when there is none.
    ///
    /// The row is the statement's own, not a copy (`Row.fetchOne` copies every column into a new
    /// row, 4% of a post): `body` reads what it needs from it and must not keep it. The statement
    /// is reset when this returns, so no read snapshot outlives the call.
    func withFirstRow<T>(
        sql: String, _ arguments: StatementArguments, _ body: (StatementRow) throws -> T
    ) throws -> T? {
        try Self.withFirstRow(of: cachedStatement(sql: sql), arguments, body)
    }

    /// ``withFirstRow(sql:_:_:)`` for a statement the caller holds (to read columns of the
    /// current row straight from it, as ``Statement/openText(atColumn:key:at:)`` does).
    static func withFirstRow<T>(
        of statement: Statement, _ arguments: StatementArguments, _ body: (StatementRow) throws -> T
    ) throws -> T? {
        let cursor = try StatementRowCursor(statement, arguments: arguments)
        return try withExtendedLifetime(cursor) { try cursor.next().map(body) }
    }
}

/// The current row of a statement, read by position straight from SQLite.
///
/// GRDB's `Row.fetchCursor` makes a row that can also be read by column name, and for that
/// builds a dictionary of the statement's lower-cased column names every time the statement
/// runs (1.8% of a post, whose reads all go by position). The reads on the hot paths
/// step their statements through ``StatementRowCursor`` instead. A `StatementRow` is valid only
/// while its statement stays on that row: read it inside the closure or loop that hands it out.
struct StatementRow {
    let sqliteStatement: SQLiteStatement

    /// The value in column `index`; an `Optional` type reads NULL as nil. A value that is not of
    /// the type asked for is a defect in the SQL or the code and stops the process, as GRDB's
    /// `Row` does.
    subscript<Value: DatabaseValueConvertible & StatementColumnConvertible>(_ index: Int) -> Value {
        assert(index >= 0 && index < Int(sqlite3_column_count(sqliteStatement)), "no column \(index)")
        guard let value = Value.fromStatement(sqliteStatement, atUncheckedIndex: CInt(index)) else {
            preconditionFailure("column \(index) does not hold a \(Value.self)")
        }
        return value
    }

    /// Whether column `index` holds NULL.
    func hasNull(atIndex index: Int) -> Bool {
        assert(index >= 0 && index < Int(sqlite3_column_count(sqliteStatement)), "no column \(index)")
        return sqlite3_column_type(sqliteStatement, CInt(index)) == SQLITE_NULL
    }
}

/// Runs a statement with arguments and hands out its rows as ``StatementRow``s. Stepping,
/// errors and the end of the rows are GRDB's own (its `DatabaseCursor`); the statement is reset
/// when the cursor goes, so no read snapshot outlives it.
final class StatementRowCursor: DatabaseCursor {
    typealias Element = StatementRow

    let _statement: Statement
    var _isDone = false

    init(_ statement: Statement, arguments: StatementArguments) throws {
        _statement = statement
        try statement.setArguments(arguments)  // validates, resets and binds
    }

    deinit {
        // GRDB's own cursors ignore a failing reset too: it repeats the error of a failed step.
        sqlite3_reset(_statement.sqliteStatement)
    }

    func _element(sqliteStatement: SQLiteStatement) -> StatementRow {
        StatementRow(sqliteStatement: sqliteStatement)
    }
}

extension SQLRequest {
    /// A request whose statement is cached per connection.
    init(cachedLiteral literal: SQL) {
        self.init(literal: literal, cached: true)
    }
}

extension SQLRequest where RowDecoder == Row {
    /// A row request whose statement is cached per connection.
    init(cachedLiteral literal: SQL) {
        self.init(literal: literal, cached: true)
    }
}
