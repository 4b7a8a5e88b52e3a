import GRDB

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
    func withFirstRow<T>(sql: String, _ arguments: StatementArguments, _ body: (Row) throws -> T) throws -> T? {
        try Self.withFirstRow(of: cachedStatement(sql: sql), arguments, body)
    }

    /// ``withFirstRow(sql:_:_:)`` for a statement the caller holds (to read columns of the
    /// current row straight from it, as ``Statement/openText(atColumn:key:at:)`` does).
    static func withFirstRow<T>(
        of statement: Statement, _ arguments: StatementArguments, _ body: (Row) throws -> T
    ) throws -> T? {
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        return try withExtendedLifetime(cursor) { try cursor.next().map(body) }
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
