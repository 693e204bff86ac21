import Redis
import Testing

@Suite("Redis URL parsing")
struct RedisConfigurationTests {
    @Test func parsesHostPortAndDatabase() throws {
        let config = try RedisConfiguration(url: "redis://127.0.0.1:6380/3")
        #expect(config.host == "127.0.0.1")
        #expect(config.port == 6380)
        #expect(config.database == 3)
        #expect(config.password == nil)
        #expect(config.username == nil)
    }

    @Test func defaultsPortAndDatabase() throws {
        let config = try RedisConfiguration(url: "redis://redis")
        #expect(config.host == "redis")
        #expect(config.port == 6379)
        #expect(config.database == 0)
        let trailingSlash = try RedisConfiguration(url: "redis://redis:6379/")
        #expect(trailingSlash.database == 0)
    }

    @Test func parsesPasswordForms() throws {
        let passwordOnly = try RedisConfiguration(url: "redis://:s%40cret@cache.internal:6379/0")
        #expect(passwordOnly.password == "s@cret")
        #expect(passwordOnly.username == nil)
        let userAndPassword = try RedisConfiguration(url: "redis://almanac:p%3Ass@cache:7000/1")
        #expect(userAndPassword.username == "almanac")
        #expect(userAndPassword.password == "p:ss")
        #expect(userAndPassword.port == 7000)
        let lone = try RedisConfiguration(url: "redis://secret@cache")
        #expect(lone.password == "secret")
        #expect(!lone.redactedURL.contains("secret"))
    }

    @Test func parsesIPv6() throws {
        let config = try RedisConfiguration(url: "redis://[::1]:6390/2")
        #expect(config.host == "::1")
        #expect(config.port == 6390)
        #expect(config.database == 2)
    }

    @Test(arguments: [
        ("", "empty"),
        ("127.0.0.1:6379", "expected redis://"),
        ("http://host:6379", "unsupported scheme 'http'"),
        ("rediss://host:6379", "TLS"),
        ("redis://:6379/0", "host is missing"),
        ("redis://host:abc", "port 'abc'"),
        ("redis://host:70000", "port '70000'"),
        ("redis://host:6379/x", "database 'x'"),
        ("redis://host:6379/0?timeout=1", "options are not supported"),
        ("redis://:bad%zz@host", "percent-encoding"),
        ("redis://[::1:6379", "IPv6"),
    ])
    func rejectsBadURLs(url: String, expected: String) {
        do {
            _ = try RedisConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch let error as RedisError {
            #expect(error.kind == .configuration)
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("bad%zz"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
