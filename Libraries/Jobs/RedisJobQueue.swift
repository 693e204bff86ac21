public import Redis
import Synchronization

/// The Redis driver. Keys, for queue `q` under `keyPrefix`:
/// - `q` — ready list (producers LPUSH at the tail; consumers take from the right, the head),
/// - `q:processing:<consumer>` — what a consumer holds (BLMOVE q → here; LREM to acknowledge),
/// - `q:delayed` — sorted set of retries scored by due time (server clock),
/// - `q:dead` — dead letters, newest first, as `{"message":…,"error":…,"failedAt":…}`,
/// - `q:heartbeat:<consumer>` — a key with a TTL while the consumer lives,
/// - `q:consumers` — the set of consumers that ever heartbeated and were not yet reclaimed.
///
/// Every move between two keys is one Lua script, so a message is never in two places nor lost, and two
/// workers reclaiming the same dead consumer move each message once.
public final class RedisJobQueue: JobQueueDriver {
    private let client: RedisClient
    private let keyPrefix: String
    private let loadedScripts = Mutex<[String: String]>([:])

    public func shutdown() async { await client.shutdown() }

    public init(client: RedisClient, keyPrefix: String = "") {
        self.client = client
        self.keyPrefix = keyPrefix
    }

    private func base(_ queue: QueueName) -> String { keyPrefix + queue.rawValue }
    private func processingKey(_ queue: QueueName, _ consumer: String) -> String { base(queue) + ":processing:" + consumer }
    private func delayedKey(_ queue: QueueName) -> String { base(queue) + ":delayed" }
    private func deadKey(_ queue: QueueName) -> String { base(queue) + ":dead" }
    private func consumersKey(_ queue: QueueName) -> String { base(queue) + ":consumers" }
    private func heartbeatKey(_ queue: QueueName, _ consumer: String) -> String { base(queue) + ":heartbeat:" + consumer }

    public func push(_ message: JobMessage, to queue: QueueName) async throws {
        _ = try await client.send([bytes("LPUSH"), bytes(base(queue)), try message.encoded()])
    }

    public func pop(from queue: QueueName, consumer: String, timeout: Duration) async throws -> Delivery? {
        let source = base(queue)
        let destination = processingKey(queue, consumer)
        let margin = client.configuration.commandTimeout
        let reply: RedisValue = try await client.withConnection { connection in
            if timeout <= .zero {
                return try connection.send(["LMOVE", source, destination, "RIGHT", "LEFT"])
            }
            return try connection.send(
                ["BLMOVE", source, destination, "RIGHT", "LEFT", Self.seconds(timeout)], readTimeout: timeout + margin)
        }
        guard case .bulk(let raw) = reply else { return nil }
        do {
            let message = try JobMessage.decoded(from: raw)
            return Delivery(message: message, queue: queue, raw: raw, consumer: consumer)
        } catch {
            // A poison message that is not even a message: park it and carry on.
            let placeholder = Delivery(message: .undecodable(raw), queue: queue, raw: raw, consumer: consumer)
            try await deadLetter(placeholder, error: "undecodable message: \(error)")
            return nil
        }
    }

    public func acknowledge(_ delivery: Delivery) async throws {
        _ = try await client.send([bytes("LREM"), bytes(processingKey(delivery.queue, delivery.consumer)), bytes("1"), delivery.raw])
    }

    public func retryLater(_ delivery: Delivery, delay: Duration, error: String, countsAsAttempt: Bool) async throws {
        var next = delivery.message
        if countsAsAttempt { next.attempt += 1 }
        _ = try await evaluate(
            Scripts.retryLater,
            keys: [processingKey(delivery.queue, delivery.consumer), delayedKey(delivery.queue)],
            args: [delivery.raw, try next.encoded(), bytes(Self.seconds(delay))])
    }

    public func deadLetter(_ delivery: Delivery, error: String) async throws {
        let entry = DeadLetter(message: delivery.message, error: error, failedAt: JobClock.now())
        _ = try await evaluate(
            Scripts.moveToList,
            keys: [processingKey(delivery.queue, delivery.consumer), deadKey(delivery.queue)],
            args: [delivery.raw, try entry.encoded(), bytes("LPUSH")])
    }

    public func requeue(_ delivery: Delivery) async throws {
        _ = try await evaluate(
            Scripts.moveToList,
            keys: [processingKey(delivery.queue, delivery.consumer), base(delivery.queue)],
            args: [delivery.raw, delivery.raw, bytes("RPUSH")])
    }

    public func heartbeat(consumer: String, queue: QueueName, ttl: Duration) async throws {
        let milliseconds = max(1, Int(ttl.components.seconds) * 1000 + Int(ttl.components.attoseconds / 1_000_000_000_000_000))
        let results = try await client.pipeline([
            ["SET", heartbeatKey(queue, consumer), String(JobClock.now()), "PX", String(milliseconds)],
            ["SADD", consumersKey(queue), consumer],
        ])
        for result in results { _ = try result.get() }
    }

    public func reclaim(queue: QueueName, maxAttempts: Int) async throws -> ReclaimResult {
        let reply = try await evaluate(
            Scripts.reclaim, keys: [consumersKey(queue)],
            args: [bytes(base(queue)), bytes(String(max(1, maxAttempts))), bytes(String(JobClock.now()))])
        guard let values = reply.array, let requeued = values.first?.int else {
            throw RedisError(kind: .protocol, message: "unexpected reclaim reply \(reply)")
        }
        let dead = values.dropFirst().compactMap(\.bytes).map(DeadLetter.decoded(from:))
        return ReclaimResult(requeued: Int(requeued), deadLettered: dead)
    }

    public func promoteDueRetries(queue: QueueName) async throws -> Int {
        let reply = try await evaluate(Scripts.promote, keys: [delayedKey(queue), base(queue)], args: [bytes("1000")])
        return Int(reply.int ?? 0)
    }

    public func recoverUnacknowledged(queue: QueueName, consumer: String) async throws -> Int {
        let reply = try await evaluate(Scripts.recover, keys: [processingKey(queue, consumer), base(queue)], args: [])
        return Int(reply.int ?? 0)
    }

    public func pendingJobIDs(_ ids: [String], queue: QueueName) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let reply = try await evaluate(
            Scripts.pending, keys: [base(queue), delayedKey(queue), consumersKey(queue)],
            args: [bytes(base(queue) + ":processing:")] + ids.map(bytes))
        return Set((reply.array ?? []).compactMap(\.string))
    }

    public func depth(of queue: QueueName) async throws -> QueueDepth {
        let reply = try await evaluate(
            Scripts.depth, keys: [base(queue), delayedKey(queue), deadKey(queue), consumersKey(queue)],
            args: [bytes(base(queue) + ":processing:")])
        let numbers = (reply.array ?? []).map { Int($0.int ?? 0) }
        guard numbers.count == 4 else { throw RedisError(kind: .protocol, message: "unexpected depth reply \(reply)") }
        return QueueDepth(ready: numbers[0], processing: numbers[1], delayed: numbers[2], dead: numbers[3])
    }

    public func liveConsumers(queue: QueueName) async throws -> [String] {
        let members = (try await client.send(["SMEMBERS", consumersKey(queue)]).array ?? []).compactMap(\.string)
        var alive: [String] = []
        for consumer in members.sorted() where try await client.send(["EXISTS", heartbeatKey(queue, consumer)]).int == 1 {
            alive.append(consumer)
        }
        return alive
    }

    public func deadLetters(queue: QueueName, limit: Int) async throws -> [DeadLetter] {
        guard limit > 0 else { return [] }
        let reply = try await client.send(["LRANGE", deadKey(queue), "0", String(limit - 1)])
        return (reply.array ?? []).compactMap(\.bytes).map(DeadLetter.decoded(from:))
    }

    public func purge(queue: QueueName) async throws {
        var cursor = "0"
        let pattern = Self.globEscaped(base(queue)) + ":*"
        repeat {
            let reply = try await client.send(["SCAN", cursor, "MATCH", pattern, "COUNT", "500"])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
                throw RedisError(kind: .protocol, message: "unexpected SCAN reply \(reply)")
            }
            cursor = next
            let keys = (parts[1].array ?? []).compactMap(\.bytes)
            if !keys.isEmpty { _ = try await client.send([bytes("DEL")] + keys) }
        } while cursor != "0"
        _ = try await client.send(["DEL", base(queue)])
    }

    // MARK: Scripts

    /// Runs a script by its SHA1 (loading it once per client); after a server restart emptied the script
    /// cache (NOSCRIPT) it is sent in full again.
    private func evaluate(_ script: Script, keys: [String], args: [[UInt8]]) async throws -> RedisValue {
        let tail = [bytes(String(keys.count))] + keys.map(bytes) + args
        if let sha = loadedScripts.withLock({ $0[script.name] }) {
            do {
                return try await client.send([bytes("EVALSHA"), bytes(sha)] + tail)
            } catch let error as RedisError where error.serverCode == "NOSCRIPT" {
                loadedScripts.withLock { _ = $0.removeValue(forKey: script.name) }
            }
        }
        let reply = try await client.send([bytes("EVAL"), bytes(script.source)] + tail)
        if let sha = try? await client.send(["SCRIPT", "LOAD", script.source]).string {
            loadedScripts.withLock { $0[script.name] = sha }
        }
        return reply
    }

    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        return milliseconds % 1000 == 0 ? String(milliseconds / 1000) : String(Double(milliseconds) / 1000)
    }

    private static func globEscaped(_ text: String) -> String {
        var result = ""
        for character in text {
            if "*?[]\\".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }

    struct Script: Sendable {
        let name: String
        let source: String
    }

    enum Scripts {
        /// KEYS: processing, target list. ARGV: raw, new item, LPUSH|RPUSH. Moves only if still held.
        static let moveToList = Script(name: "moveToList", source: """
            if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
            redis.call(ARGV[3], KEYS[2], ARGV[2])
            return 1
            """)

        /// KEYS: processing, delayed. ARGV: raw, new item, delay seconds. Due time from the server clock.
        static let retryLater = Script(name: "retryLater", source: """
            if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
            local now = redis.call('TIME')
            local due = tonumber(now[1]) + tonumber(now[2]) / 1000000 + tonumber(ARGV[3])
            redis.call('ZADD', KEYS[2], string.format('%.3f', due), ARGV[2])
            return 1
            """)

        /// KEYS: delayed, ready. ARGV: batch limit.
        static let promote = Script(name: "promote", source: """
            local now = redis.call('TIME')
            local t = string.format('%.3f', tonumber(now[1]) + tonumber(now[2]) / 1000000)
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', t, 'LIMIT', 0, tonumber(ARGV[1]))
            local moved = 0
            for _, item in ipairs(due) do
              if redis.call('ZREM', KEYS[1], item) == 1 then
                redis.call('LPUSH', KEYS[2], item)
                moved = moved + 1
              end
            end
            return moved
            """)

        /// KEYS: processing, ready. Newest held item first to the head, so the oldest ends up running first.
        static let recover = Script(name: "recover", source: """
            local moved = 0
            while redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT') do moved = moved + 1 end
            return moved
            """)

        /// KEYS: consumers set. ARGV: queue base key, max attempts, now (unix s).
        /// Returns { requeued count, dead-letter entry… }.
        static let reclaim = Script(name: "reclaim", source: """
            local base = ARGV[1]
            local maxAttempts = tonumber(ARGV[2])
            local requeued = 0
            local result = { 0 }
            for _, consumer in ipairs(redis.call('SMEMBERS', KEYS[1])) do
              if redis.call('EXISTS', base .. ':heartbeat:' .. consumer) == 0 then
                local processing = base .. ':processing:' .. consumer
                local reason = 'consumer ' .. consumer .. ' stopped (heartbeat expired) while holding the message'
                while true do
                  local raw = redis.call('RPOP', processing)
                  if not raw then break end
                  local ok, message = pcall(cjson.decode, raw)
                  local entry
                  if ok and type(message) == 'table' then
                    local attempt = (tonumber(message['attempt']) or 0) + 1
                    message['attempt'] = attempt
                    message['crashes'] = (tonumber(message['crashes']) or 0) + 1
                    if attempt >= maxAttempts then
                      entry = cjson.encode({ message = message, error = reason .. '; attempts exhausted', failedAt = tonumber(ARGV[3]) })
                    else
                      redis.call('RPUSH', base, cjson.encode(message))
                      requeued = requeued + 1
                    end
                  else
                    entry = cjson.encode({ raw = raw, error = 'undecodable message', failedAt = tonumber(ARGV[3]) })
                  end
                  if entry then
                    redis.call('LPUSH', base .. ':dead', entry)
                    table.insert(result, entry)
                  end
                end
                redis.call('SREM', KEYS[1], consumer)
              end
            end
            result[1] = requeued
            return result
            """)

        /// KEYS: ready, delayed, consumers. ARGV: processing key prefix, job ids… Returns the ids that have a
        /// message in the ready list, the delayed set or a processing list. Reads lists 1,000 at a time.
        static let pending = Script(name: "pending", source: """
            local wanted, left, found = {}, 0, {}
            for i = 2, #ARGV do
              if not wanted[ARGV[i]] then wanted[ARGV[i]] = true; left = left + 1 end
            end
            local function look(items)
              for _, raw in ipairs(items) do
                local ok, message = pcall(cjson.decode, raw)
                if ok and type(message) == 'table' then
                  local id = message['id']
                  if type(id) == 'string' and wanted[id] then
                    wanted[id] = nil; left = left - 1; table.insert(found, id)
                  end
                end
                if left == 0 then return true end
              end
              return false
            end
            local function scanList(key)
              local start = 0
              while left > 0 do
                local items = redis.call('LRANGE', key, start, start + 999)
                if #items == 0 or look(items) then return end
                start = start + 1000
              end
            end
            scanList(KEYS[1])
            local start = 0
            while left > 0 do
              local items = redis.call('ZRANGE', KEYS[2], start, start + 999)
              if #items == 0 or look(items) then break end
              start = start + 1000
            end
            for _, consumer in ipairs(redis.call('SMEMBERS', KEYS[3])) do
              if left == 0 then break end
              scanList(ARGV[1] .. consumer)
            end
            return found
            """)

        /// KEYS: ready, delayed, dead, consumers. ARGV: processing key prefix.
        static let depth = Script(name: "depth", source: """
            local processing = 0
            for _, consumer in ipairs(redis.call('SMEMBERS', KEYS[4])) do
              processing = processing + redis.call('LLEN', ARGV[1] .. consumer)
            end
            return { redis.call('LLEN', KEYS[1]), processing, redis.call('ZCARD', KEYS[2]), redis.call('LLEN', KEYS[3]) }
            """)
    }
}
