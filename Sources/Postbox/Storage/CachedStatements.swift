import GRDB

/// Statements the store runs on every request are prepared once per connection and reused:
/// compiling SQL (and GRDB's authorizer callbacks while compiling) cost more than running it.
/// Interpolated values become arguments, so one SQL text serves every call.
extension Database {
    /// Runs `literal` through the connection's statement cache.
    func run(literal: SQL) throws {
        try cachedStatement(literal: literal).execute()
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
