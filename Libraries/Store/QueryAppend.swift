import Postgres
import SQLite

/// Renumbers `$n` placeholders of a fragment by `offset`, for building queries from optional filters.
/// Fragments are the store's own constant SQL, where `$` appears only in placeholders.
func renumberPlaceholders(_ sql: String, offset: Int) -> String {
    guard offset > 0 else { return sql }
    var out = ""
    var digits = ""
    var inPlaceholder = false
    for ch in sql {
        if inPlaceholder {
            if ch.isASCII && ch.isNumber { digits.append(ch); continue }
            out += "$" + String((Int(digits) ?? 0) + offset)
            inPlaceholder = false
            digits = ""
        }
        if ch == "$" { inPlaceholder = true } else { out.append(ch) }
    }
    if inPlaceholder { out += "$" + String((Int(digits) ?? 0) + offset) }
    return out
}

extension PostgresQuery {
    mutating func append(_ other: PostgresQuery) {
        self = PostgresQuery(unsafeSQL: sql + renumberPlaceholders(other.sql, offset: binds.count), binds: binds + other.binds)
    }
}

extension SQLiteQuery {
    mutating func append(_ other: SQLiteQuery) {
        self = SQLiteQuery(unsafeSQL: sql + renumberPlaceholders(other.sql, offset: binds.count), binds: binds + other.binds)
    }
}
