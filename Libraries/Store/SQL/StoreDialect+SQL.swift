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

    /// A date column as days since 1970-01-01 (an integer), as the models read a series.
    func dayNumber(_ column: String) -> String {
        switch self {
        case .postgres: "(\(column) - DATE '1970-01-01')::int4"
        case .sqlite: "CAST(julianday(\(column)) - 2440587.5 AS INTEGER)"
        }
    }

    /// A sum of money as text to the cent (a fingerprint's part: PostgreSQL's numeric keeps its two places).
    func moneyText(_ expression: String) -> String {
        switch self {
        case .postgres: "(\(expression))::text"
        case .sqlite: "printf('%.2f', \(expression))"
        }
    }

    /// A money amount bound for a numeric column, rounded to the cent as stored (PostgreSQL: exact decimal text).
    func money(_ value: Double?) -> StoreSQL {
        switch self {
        case .postgres: "\(value.map(Money.format))::numeric"
        case .sqlite: "\(value.map(Money.round))"
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

    // Expiry times (leases, schedule sessions, quota events): PostgreSQL keeps them as timestamptz, SQLite as Unix
    // seconds (a REAL), so comparisons are plain arithmetic there.

    /// The current time in the form expiry columns hold.
    var clock: String {
        switch self {
        case .postgres: "now()"
        case .sqlite: "((julianday('now') - 2440587.5) * 86400.0)"
        }
    }

    /// `seconds` from now (negative: ago), in the form expiry columns hold.
    func clock(plus seconds: Double) -> StoreSQL {
        switch self {
        case .postgres: "now() + make_interval(secs => \(seconds))"
        case .sqlite: "\(unescaped: clock) + \(seconds)"
        }
    }

    /// An expiry column as Unix seconds.
    func unixSeconds(_ column: String) -> String {
        switch self {
        case .postgres: "extract(epoch FROM \(column))::float8"
        case .sqlite: column
        }
    }

    /// A Unix time as a timestamp comparable with the dialect's stored timestamps (`now`'s form).
    func instant(unixSeconds seconds: Double) -> StoreSQL {
        switch self {
        case .postgres: "to_timestamp(\(seconds))"
        case .sqlite: "strftime('%Y-%m-%dT%H:%M:%fZ', \(seconds), 'unixepoch')"
        }
    }

    /// Serialises the transaction with others naming `key` until it ends. SQLite needs none: its writing
    /// transactions (`BEGIN IMMEDIATE`) already run one at a time.
    func transactionLock(_ key: String) -> StoreSQL? {
        switch self {
        case .postgres: "SELECT pg_advisory_xact_lock(hashtext(\(key)))"
        case .sqlite: nil
        }
    }

    /// Locks the rows a SELECT reads until the transaction ends (SQLite: the transaction's own write lock does).
    var forUpdate: String {
        switch self {
        case .postgres: " FOR UPDATE"
        case .sqlite: ""
        }
    }
}
