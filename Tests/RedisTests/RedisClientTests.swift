import Foundation
import Redis
import Testing
import TestSupport

@Suite("Redis client against a real server")
struct RedisClientTests {
    private func makeClient(_ adjust: (inout RedisConfiguration) -> Void = { _ in }) throws -> RedisClient {
        var configuration = try RedisConfiguration(url: try RedisTestServer.url())
        adjust(&configuration)
        return RedisClient(configuration: configuration, poolSize: 2, blockingConnections: 2)
    }

    @Test func stringRoundTripAndReplyTypes() async throws {
        let client = try makeClient()
        let key = RedisTestServer.uniqueKey()
        #expect(try await client.send(["PING"]) == .status("PONG"))
        #expect(try await client.send(["SET", key, "héllo wörld"]) == .status("OK"))
        #expect(try await client.send(["GET", key]).string == "héllo wörld")
        #expect(try await client.send(["GET", key + ":missing"]) == .null)
        #expect(try await client.send(["RPUSH", key + ":list", "a", "b", "c"]).int == 3)
        let range = try await client.send(["LRANGE", key + ":list", "0", "-1"])
        #expect(range.array?.compactMap(\.string) == ["a", "b", "c"])
        _ = try await client.send(["DEL", key, key + ":list"])
        await client.shutdown()
    }

    @Test func binarySafeRoundTrip() async throws {
        let client = try makeClient()
        let key = Array(RedisTestServer.uniqueKey().utf8) + [0, 13, 10, 0]
        var value: [UInt8] = [0, 13, 10, 36, 45, 42, 255, 0, 1, 128, 13, 10, 13, 10]
        value += (0...255).map { UInt8($0) }
        #expect(try await client.send([Array("SET".utf8), key, value]) == .status("OK"))
        #expect(try await client.send([Array("GET".utf8), key]) == .bulk(value))
        #expect(try await client.send([Array("STRLEN".utf8), key]).int == Int64(value.count))
        // Text with CR LF through the String form as well.
        let textKey = RedisTestServer.uniqueKey() + "\r\n*1\r\n"
        #expect(try await client.send(["SET", textKey, "line one\r\nline two\0end"]) == .status("OK"))
        #expect(try await client.send(["GET", textKey]).string == "line one\r\nline two\0end")
        #expect(try await client.send(["SET", textKey + "empty", ""]) == .status("OK"))
        #expect(try await client.send(["GET", textKey + "empty"]) == .bulk([]))
        _ = try await client.send([Array("DEL".utf8), key, Array(textKey.utf8), Array((textKey + "empty").utf8)])
        await client.shutdown()
    }

    @Test func serverErrorIsThrownAndConnectionStaysUsable() async throws {
        let client = try makeClient()
        let key = RedisTestServer.uniqueKey()
        _ = try await client.send(["SET", key, "text"])
        do {
            _ = try await client.send(["LPUSH", key, "x"])
            Issue.record("LPUSH on a string did not throw")
        } catch let error as RedisError {
            #expect(error.kind == .server)
            #expect(error.serverCode == "WRONGTYPE")
        }
        await #expect(throws: RedisError.self) { try await client.send(["NOSUCHCOMMAND"]) }
        // Errors inside a pipeline are per command.
        let results = try await client.pipeline([["LPUSH", key, "x"], ["GET", key]])
        #expect(results.count == 2)
        if case .failure(let error) = results[0] { #expect(error.serverCode == "WRONGTYPE") } else { Issue.record("expected failure") }
        #expect((try? results[1].get())?.string == "text")
        #expect(try await client.send(["GET", key]).string == "text")
        _ = try await client.send(["DEL", key])
        await client.shutdown()
    }

    @Test func readTimeoutThrowsTimeoutThenReconnects() async throws {
        let client = try makeClient { $0.commandTimeout = .milliseconds(300) }
        let key = RedisTestServer.uniqueKey()
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await client.withConnection { try $0.send(["BLPOP", key, "6"]) }
            Issue.record("BLPOP longer than the read timeout did not time out")
        } catch let error as RedisError {
            #expect(error.kind == .timeout, "\(error)")
        }
        // Well under the 6 s BLPOP, with room for a loaded machine (the whole suite runs in parallel).
        #expect(clock.now - start < .seconds(4))
        // The same dedicated connections reconnect on their next lease.
        for _ in 0..<3 { #expect(try await client.withConnection { try $0.send(["PING"]) } == .status("PONG")) }
        // A per-command read timeout lets one blocking command wait longer than commandTimeout.
        let waited = try await client.withConnection { try $0.send(["BLPOP", key, "0.6"], readTimeout: .seconds(2)) }
        #expect(waited == .null)
        await client.shutdown()
    }

    @Test func connectionRefusedIsAConnectionError() async throws {
        var configuration = RedisConfiguration(host: "127.0.0.1", port: try TestEnvironment.freePort())
        configuration.reconnectWindow = .milliseconds(300)
        let client = RedisClient(configuration: configuration, poolSize: 1, blockingConnections: 1)
        do {
            _ = try await client.send(["PING"])
            Issue.record("PING to a closed port succeeded")
        } catch let error as RedisError {
            #expect(error.kind == .connection)
            #expect(error.message.contains("127.0.0.1:\(configuration.port)"), "\(error.message)")
        }
        await client.shutdown()
    }

    @Test func wrongPasswordIsReported() async throws {
        var configuration = try RedisConfiguration(url: try RedisTestServer.url())
        configuration.password = "not-the-password"
        configuration.reconnectWindow = .milliseconds(200)
        let client = RedisClient(configuration: configuration, poolSize: 1, blockingConnections: 1)
        await #expect(throws: RedisError.self) { try await client.send(["PING"]) }
        await client.shutdown()
    }

    @Test func manyConcurrentCommandsShareThePool() async throws {
        let client = try makeClient()
        let key = RedisTestServer.uniqueKey()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 { group.addTask { _ = try await client.send(["INCR", key]) } }
            try await group.waitForAll()
        }
        #expect(try await client.send(["GET", key]).int == 200)
        _ = try await client.send(["DEL", key])
        await client.shutdown()
    }

    @Test func shutdownFailsLaterCalls() async throws {
        let client = try makeClient()
        _ = try await client.send(["PING"])
        await client.shutdown()
        do {
            _ = try await client.send(["PING"])
            Issue.record("send after shutdown succeeded")
        } catch let error as RedisError {
            #expect(error.kind == .clientShutdown)
        }
    }

    @Test func reconnectsAfterServerRestart() async throws {
        let server = try PrivateRedisServer()
        defer { server.stop() }
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url), poolSize: 3, blockingConnections: 2)
        _ = try await client.send(["SET", "kept", "value"])
        // Open every connection so each one holds a socket the restart will break.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 { group.addTask { _ = try await client.send(["PING"]) } }
            for _ in 0..<2 { group.addTask { _ = try await client.withConnection { try $0.send(["PING"]) } } }
            try await group.waitForAll()
        }
        try server.restart()

        var failures = 0
        for _ in 0..<10 {
            do {
                #expect(try await client.send(["GET", "kept"]).string == "value")
            } catch let error as RedisError where error.isConnectionFailure {
                failures += 1
            }
        }
        #expect(failures <= 1, "\(failures) calls failed after the restart")
        var blockingFailures = 0
        for _ in 0..<4 {
            do {
                _ = try await client.withConnection { try $0.send(["PING"]) }
            } catch let error as RedisError where error.isConnectionFailure {
                blockingFailures += 1
            }
        }
        #expect(blockingFailures <= 1)

        // Server down for a moment: a call made meanwhile waits within the reconnect window.
        let restart = try server.startRestart(downSeconds: 1)
        try await Task.sleep(for: .milliseconds(400))
        var downFailures = 0
        var succeeded = false
        for _ in 0..<2 where !succeeded {
            do {
                #expect(try await client.send(["GET", "kept"]).string == "value")
                succeeded = true
            } catch let error as RedisError where error.isConnectionFailure {
                downFailures += 1
            }
        }
        await PrivateRedisServer.wait(for: restart)
        #expect(succeeded)
        #expect(downFailures <= 1)
        await client.shutdown()
    }

    @Test func measuresRoundTrips() async throws {
        let client = try makeClient()
        let key = RedisTestServer.uniqueKey()
        let clock = ContinuousClock()
        let pairs = 2000
        let pairTime = try await client.withConnection { connection in
            clock.measure {
                for index in 0..<pairs {
                    _ = try? connection.send(["LPUSH", key, String(index)])
                    _ = try? connection.send(["BLMOVE", key, key + ":processing", "RIGHT", "LEFT", "1"])
                }
            }
        }
        #expect(try await client.send(["LLEN", key + ":processing"]).int == Int64(pairs))
        let pings = 2000
        let pingTime = try await client.withConnection { connection in
            clock.measure { for _ in 0..<pings { _ = try? connection.send(["PING"]) } }
        }
        let asyncPings = 1000
        let asyncTime = try await clock.measure { for _ in 0..<asyncPings { _ = try await client.send(["PING"]) } }
        func rate(_ count: Int, _ duration: Duration) -> Int {
            Int(Double(count) / (Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18))
        }
        print("Redis LPUSH+BLMOVE pairs/s on one connection: \(rate(pairs, pairTime))")
        print("Redis PING round trips/s on one leased connection: \(rate(pings, pingTime))")
        print("Redis PING round trips/s through RedisClient.send (async, thread hop per call): \(rate(asyncPings, asyncTime))")
        _ = try await client.send(["DEL", key, key + ":processing"])
        await client.shutdown()
    }
}
