import Postgres
import Testing

@Suite("PostgresConfiguration URL parsing")
struct PostgresConfigurationTests {
    @Test func parsesEveryPartAndPercentDecodes() throws {
        let config = try PostgresConfiguration(
            url: "postgresql://alice:p%40ss%3Aw0rd@db.example.com:6543/my%20db?sslmode=require&application_name=etl%20worker&connect_timeout=5")
        #expect(config.user == "alice")
        #expect(config.password == "p@ss:w0rd")
        #expect(config.host == "db.example.com")
        #expect(config.port == 6543)
        #expect(config.database == "my db")
        #expect(config.sslMode == .require)
        #expect(config.applicationName == "etl worker")
        #expect(config.connectTimeout == .seconds(5))
        #expect(!config.description.contains("p@ss"), "description must mask the password")
    }

    @Test func appliesDefaults() throws {
        let config = try PostgresConfiguration(url: "postgres://localhost")
        #expect(config.host == "localhost")
        #expect(config.port == 5432)
        #expect(config.user == "postgres")
        #expect(config.password == nil)
        #expect(config.database == "postgres")
        #expect(config.sslMode == .prefer)

        let userOnly = try PostgresConfiguration(url: "postgres://bob@h/")
        #expect(userOnly.user == "bob")
        #expect(userOnly.database == "bob", "the database defaults to the user name")
    }

    @Test func parsesIPv6AndUnixSocketHosts() throws {
        let v6 = try PostgresConfiguration(url: "postgres://u@[::1]:5433/d")
        #expect(v6.host == "::1")
        #expect(v6.port == 5433)
        let socket = try PostgresConfiguration(url: "postgres://u@%2Fvar%2Frun%2Fpostgresql/d")
        #expect(socket.host == "/var/run/postgresql")
        let passThrough = try PostgresConfiguration(url: "postgres://u@h/d?sslrootcert=%2Fetc%2Fca.pem&sslmode=verify-full")
        #expect(passThrough.parameters["sslrootcert"] == "/etc/ca.pem")
        #expect(passThrough.sslMode == .verifyFull)
    }

    static let badURLs: [(url: String, mentions: String)] = [
        ("mysql://u@h/d", "unsupported scheme 'mysql'"),
        ("localhost:5432/db", "postgres://"),
        ("postgres://", "host is missing"),
        ("postgres://u@:5432/d", "host is missing"),
        ("postgres://h:abc/d", "port 'abc'"),
        ("postgres://h:0/d", "port '0'"),
        ("postgres://h:70000/d", "port '70000'"),
        ("postgres://h:/d", "port ''"),
        ("postgres://u%zz@h/d", "user name contains an invalid percent-escape"),
        ("postgres://u:se%4cret%4@h/d", "password contains an invalid percent-escape"),
        ("postgres://:secret@h/d", "user name before '@' is empty"),
        ("postgres://[::1/d", "no closing ']'"),
        ("postgres://h/d?sslmode=sometimes", "sslmode 'sometimes'"),
        ("postgres://h/d?foo=bar", "unknown parameter 'foo'"),
        ("postgres://h/d?sslmode", "has no value"),
        ("postgres://h/d?connect_timeout=soon", "connect_timeout 'soon'"),
        ("postgres://h/a/b", "contains '/'"),
        ("postgres://h1,h2/d", "multiple hosts"),
        ("postgres://h/d#frag", "fragment"),
    ]

    @Test(arguments: badURLs)
    func rejectsBadURLWithClearMessage(_ bad: (url: String, mentions: String)) throws {
        let error = try #require(throws: PostgresError.self) { try PostgresConfiguration(url: bad.url) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.message.contains(bad.mentions), "\(error.message)")
        #expect(error.message.hasPrefix("invalid database URL"))
        #expect(!error.message.contains("secret"), "messages never show the password")
    }
}

@Suite("PostgresQuery interpolation")
struct PostgresQueryTests {
    @Test func everyInterpolatedValueBecomesAParameter() {
        let name = "x'; DROP TABLE t; --"
        let missing: Int? = nil
        let bytes: [UInt8] = [0, 255]
        let query: PostgresQuery =
            "SELECT * FROM \(unescaped: "series") WHERE a = \(42) AND b = \(name) AND c = \(missing) AND d = \(true) AND e = \(2.5) AND f = \(bytes) AND g = \(Int64.max)"
        #expect(query.sql == "SELECT * FROM series WHERE a = $1 AND b = $2 AND c = $3 AND d = $4 AND e = $5 AND f = $6 AND g = $7")
        #expect(query.binds == [.int(42), .text(name), .null, .bool(true), .double(2.5), .bytes(bytes), .int(Int64.max)])
        #expect(!query.description.contains("DROP"), "description shows the SQL, never values")
    }

    @Test func unsafeSQLKeepsTextAndBinds() {
        let query = PostgresQuery(unsafeSQL: "SELECT $1::int", binds: [.int(1)])
        #expect(query.sql == "SELECT $1::int")
        #expect(query.binds == [.int(1)])
        var built: PostgresQuery = "INSERT INTO t VALUES "
        built.sql += "(\(built.appendBind(1)), \(built.appendBind("a"))), (\(built.appendBind(2)), \(built.appendBind("b")))"
        #expect(built.sql == "INSERT INTO t VALUES ($1, $2), ($3, $4)")
        #expect(built.binds.count == 4)
    }
}
