// The fragments of SQL in which PostgreSQL and SQLite differ, for the statements `SQLRepository` writes once.
// Everything else both read alike: `$n` placeholders, `ON CONFLICT … DO UPDATE`, `excluded.`, `coalesce`, `count`.

extension StoreDialect {
    /// A WHERE clause that holds, for appending `AND` terms to.
    var always: String {
        switch self {
        case .postgres: "TRUE"
        case .sqlite: "1"
        }
    }

    /// The current time as the dialect stores timestamps (SQLite: ISO 8601 text with milliseconds).
    var now: String {
        switch self {
        case .postgres: "now()"
        case .sqlite: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
        }
    }

    /// A timestamp column as ISO 8601 text to the precision stored (PostgreSQL: microseconds; SQLite: the text kept).
    func instant(_ column: String) -> String {
        switch self {
        case .postgres: "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
        case .sqlite: column
        }
    }

    /// A timestamp column as ISO 8601 text to the second, as the seed clients read `created_at`.
    func instantToSecond(_ column: String) -> String {
        switch self {
        case .postgres: "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        case .sqlite: "substr(\(column), 1, 19) || 'Z'"
        }
    }

    /// An expression as text (SQLite's `||` converts on its own).
    func text(_ expression: String) -> String {
        switch self {
        case .postgres: "(\(expression))::text"
        case .sqlite: expression
        }
    }

    /// A numeric column as a double.
    func real(_ column: String) -> String {
        switch self {
        case .postgres: "\(column)::float8"
        case .sqlite: "CAST(\(column) AS REAL)"
        }
    }

    /// A bound `YYYY-MM-DD` compared with or stored in a date column.
    func date(_ value: String) -> StoreSQL {
        switch self {
        case .postgres: "\(value)::date"
        case .sqlite: "\(value)"
        }
    }

    /// The larger of two values.
    var greatest: String {
        switch self {
        case .postgres: "GREATEST"
        case .sqlite: "max"
        }
    }

    /// `column` (a timestamp) lies more than `seconds` in the past.
    func olderThan(_ column: String, seconds: Double) -> StoreSQL {
        switch self {
        case .postgres: "\(unescaped: column) < now() - make_interval(secs => \(seconds))"
        case .sqlite: "\(unescaped: column) <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || \(seconds) || ' seconds')"
        }
    }

    /// A subquery of the given strings as rows of text, bound as one JSON array (any count, one parameter).
    func textRows(_ values: [String]) -> StoreSQL {
        let list = "[" + values.map(JSONText.quote).joined(separator: ",") + "]"
        return switch self {
        case .postgres: "SELECT jsonb_array_elements_text(\(list)::jsonb)"
        case .sqlite: "SELECT value FROM json_each(\(list))"
        }
    }
}
