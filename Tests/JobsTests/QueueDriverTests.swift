import Foundation
import Jobs
import Redis
import Testing

/// The driver contract, run against Redis and the in-memory twin.
@Suite("Queue drivers")
struct QueueDriverTests {
    let queue = QueueName.etl

    @Test(arguments: Backend.allCases)
    func pushPopAcknowledgeInOrder(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        for id in ["a", "b", "c"] { try await driver.push(message(id), to: queue) }
        #expect(try await driver.depth(of: queue) == QueueDepth(ready: 3))
        try await driver.heartbeat(consumer: "c1", queue: queue, ttl: .seconds(10))
        var taken: [Delivery] = []
        for _ in 0..<3 { taken.append(try #require(try await driver.pop(from: queue, consumer: "c1", timeout: .seconds(1)))) }
        #expect(taken.map(\.message.id) == ["a", "b", "c"])
        #expect(taken.allSatisfy { $0.message.attempt == 0 && $0.queue == queue })
        #expect(try await driver.depth(of: queue) == QueueDepth(processing: 3))
        for delivery in taken { try await driver.acknowledge(delivery) }
        #expect(try await driver.depth(of: queue) == QueueDepth())
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func popTimesOutWithNothing(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await test.driver.pop(from: queue, consumer: "c1", timeout: .milliseconds(300)) == nil)
        let elapsed = clock.now - start
        #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(3), "\(elapsed)")
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func waitingPopGetsALatePush(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        async let taken = driver.pop(from: queue, consumer: "c1", timeout: .seconds(5))
        try await Task.sleep(for: .milliseconds(200))
        try await driver.push(message("late"), to: queue)
        #expect(try await taken?.message.id == "late")
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func pendingJobIDsFindsReadyDelayedAndHeldMessagesOnly(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        // 2,500 ready messages: the Redis script reads lists 1,000 at a time.
        for n in 0..<2500 { try await driver.push(message("ready-\(n)"), to: queue) }
        try await driver.push(message("held"), to: .forecast)
        try await driver.push(message("other-queue"), to: .forecast)
        try await driver.heartbeat(consumer: "c1", queue: .forecast, ttl: .seconds(10))
        let held = try #require(try await driver.pop(from: .forecast, consumer: "c1", timeout: .seconds(1)))
        #expect(held.message.id == "held")
        try await driver.push(message("late"), to: .forecast)
        try await driver.push(message("done"), to: .forecast)
        let other = try #require(try await driver.pop(from: .forecast, consumer: "c1", timeout: .seconds(1)))
        try await driver.retryLater(other, delay: .seconds(60), error: "later")
        let done = try #require(try await driver.pop(from: .forecast, consumer: "c1", timeout: .seconds(1)))
        #expect(done.message.id == "late")
        try await driver.acknowledge(done)

        let ids = ["ready-0", "ready-2499", "ready-1234", "held", "other-queue", "late", "done", "never", "ready-0"]
        #expect(try await driver.pendingJobIDs(ids, queue: queue) == ["ready-0", "ready-2499", "ready-1234"])
        #expect(try await driver.pendingJobIDs(ids, queue: .forecast) == ["held", "other-queue", "done"])
        #expect(try await driver.pendingJobIDs([], queue: queue) == [])
        await test.close(queue, .forecast)
    }

    @Test(arguments: Backend.allCases)
    func retryLaterWaitsInTheDelayedSetThenPromotes(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        try await driver.push(message("r"), to: queue)
        let delivery = try #require(try await driver.pop(from: queue, consumer: "c1", timeout: .seconds(1)))
        try await driver.retryLater(delivery, delay: .milliseconds(400), error: "boom")
        #expect(try await driver.depth(of: queue) == QueueDepth(delayed: 1))
        #expect(try await driver.promoteDueRetries(queue: queue) == 0)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await driver.promoteDueRetries(queue: queue) == 1)
        let again = try #require(try await driver.pop(from: queue, consumer: "c1", timeout: .seconds(1)))
        #expect(again.message.id == "r")
        #expect(again.message.attempt == 1)
        try await driver.acknowledge(again)
        #expect(try await driver.depth(of: queue) == QueueDepth())
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func deadLetterRecordsErrorAndTime(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        let before = Date().timeIntervalSince1970
        try await driver.push(message("d", attempt: 2), to: queue)
        let delivery = try #require(try await driver.pop(from: queue, consumer: "c1", timeout: .seconds(1)))
        try await driver.deadLetter(delivery, error: "parse error on line 3")
        #expect(try await driver.depth(of: queue) == QueueDepth(dead: 1))
        let dead = try await driver.deadLetters(queue: queue, limit: 10)
        #expect(dead.count == 1)
        #expect(dead.first?.message.id == "d")
        #expect(dead.first?.message.attempt == 2)
        #expect(dead.first?.error == "parse error on line 3")
        #expect((dead.first?.failedAt ?? 0) >= before - 1)
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func requeueReturnsToTheHeadUnchanged(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        try await driver.push(message("first"), to: queue)
        try await driver.push(message("second"), to: queue)
        let delivery = try #require(try await driver.pop(from: queue, consumer: "c1", timeout: .seconds(1)))
        try await driver.requeue(delivery)
        let again = try #require(try await driver.pop(from: queue, consumer: "c2", timeout: .seconds(1)))
        #expect(again.message == delivery.message)
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func reclaimMovesOnlyDeadConsumersBack(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        // TTLs leave room for a loaded machine: the first reclaim must run while "dead" is still alive.
        try await driver.heartbeat(consumer: "dead", queue: queue, ttl: .seconds(2))
        try await driver.heartbeat(consumer: "live", queue: queue, ttl: .seconds(30))
        try await driver.push(message("held-by-dead"), to: queue)
        try await driver.push(message("held-by-live"), to: queue)
        _ = try #require(try await driver.pop(from: queue, consumer: "dead", timeout: .seconds(1)))
        let live = try #require(try await driver.pop(from: queue, consumer: "live", timeout: .seconds(1)))
        #expect(try await driver.reclaimDeadConsumers(queue: queue, maxAttempts: 3) == 0)
        try await Task.sleep(for: .milliseconds(2300))
        #expect(try await driver.reclaimDeadConsumers(queue: queue, maxAttempts: 3) == 1)
        #expect(try await driver.depth(of: queue) == QueueDepth(ready: 1, processing: 1))
        let redelivered = try #require(try await driver.pop(from: queue, consumer: "live", timeout: .seconds(1)))
        #expect(redelivered.message.id == "held-by-dead")
        #expect(redelivered.message.attempt == 1)
        #expect(redelivered.message.crashes == 1)
        #expect(live.message.crashes == 0)
        #expect(redelivered.message.payload == #"{"n":1}"#)
        try await driver.acknowledge(redelivered)
        try await driver.acknowledge(live)
        #expect(try await driver.depth(of: queue) == QueueDepth())
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func reclaimDeadLettersWhenAttemptsRunOut(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        try await driver.heartbeat(consumer: "crashy", queue: queue, ttl: .milliseconds(100))
        try await driver.push(message("poison", attempt: 2), to: queue)
        _ = try #require(try await driver.pop(from: queue, consumer: "crashy", timeout: .seconds(1)))
        try await Task.sleep(for: .milliseconds(250))
        let result = try await driver.reclaim(queue: queue, maxAttempts: 3)
        #expect(result.requeued == 0)
        #expect(result.deadLettered.map(\.message.id) == ["poison"])
        let dead = try await driver.deadLetters(queue: queue, limit: 5)
        #expect(dead.first?.message.attempt == 3)
        #expect(dead.first?.error.contains("crashy") == true)
        #expect(try await driver.depth(of: queue) == QueueDepth(dead: 1))
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func concurrentReclaimMovesEachMessageOnce(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        let (other, otherClient) = try test.secondDriver()
        let consumers = (0..<5).map { "dead-\($0)" }
        for consumer in consumers { try await driver.heartbeat(consumer: consumer, queue: queue, ttl: .milliseconds(100)) }
        var ids: [String] = []
        for (index, consumer) in consumers.enumerated() {
            for n in 0..<10 {
                let id = "m\(index)-\(n)"
                ids.append(id)
                try await driver.push(message(id), to: queue)
                _ = try #require(try await driver.pop(from: queue, consumer: consumer, timeout: .seconds(1)))
            }
        }
        try await Task.sleep(for: .milliseconds(250))
        // Two workers (separate connections) reclaim at the same time, several passes each.
        let moved = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in [driver, other] {
                for _ in 0..<4 { group.addTask { try await worker.reclaimDeadConsumers(queue: queue, maxAttempts: 3) } }
            }
            return try await group.reduce(0, +)
        }
        #expect(moved == 50)
        #expect(try await driver.depth(of: queue) == QueueDepth(ready: 50))
        var seen: [String] = []
        while let delivery = try await driver.pop(from: queue, consumer: "live", timeout: .milliseconds(100)) {
            #expect(delivery.message.attempt == 1)
            seen.append(delivery.message.id)
            try await driver.acknowledge(delivery)
        }
        #expect(seen.sorted() == ids.sorted())
        await otherClient?.shutdown()
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func recoverUnacknowledgedReturnsOwnItemsUnchanged(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        for id in ["s1", "s2", "other"] { try await driver.push(message(id), to: queue) }
        _ = try await driver.pop(from: queue, consumer: "me", timeout: .seconds(1))
        _ = try await driver.pop(from: queue, consumer: "me", timeout: .seconds(1))
        #expect(try await driver.recoverUnacknowledged(queue: queue, consumer: "me") == 2)
        #expect(try await driver.recoverUnacknowledged(queue: queue, consumer: "me") == 0)
        var order: [String] = []
        while let delivery = try await driver.pop(from: queue, consumer: "me", timeout: .milliseconds(100)) {
            #expect(delivery.message.attempt == 0)
            order.append(delivery.message.id)
            try await driver.acknowledge(delivery)
        }
        #expect(order == ["s1", "s2", "other"])
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func settlingAReclaimedDeliveryIsHarmless(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        try await driver.heartbeat(consumer: "slow", queue: queue, ttl: .milliseconds(100))
        try await driver.push(message("x"), to: queue)
        let stale = try #require(try await driver.pop(from: queue, consumer: "slow", timeout: .seconds(1)))
        try await Task.sleep(for: .milliseconds(250))
        #expect(try await driver.reclaimDeadConsumers(queue: queue, maxAttempts: 3) == 1)
        // The slow consumer finishes after all: its settle finds nothing to move and changes nothing.
        try await driver.acknowledge(stale)
        try await driver.retryLater(stale, delay: .seconds(1), error: "late")
        try await driver.deadLetter(stale, error: "late")
        try await driver.requeue(stale)
        #expect(try await driver.depth(of: queue) == QueueDepth(ready: 1))
        await test.close(queue)
    }

    @Test(arguments: Backend.allCases)
    func purgeEmptiesEverything(backend: Backend) async throws {
        let test = try TestQueue(backend)
        let driver = test.driver
        try await driver.heartbeat(consumer: "c", queue: queue, ttl: .seconds(10))
        for id in ["1", "2", "3", "4"] { try await driver.push(message(id), to: queue) }
        let a = try #require(try await driver.pop(from: queue, consumer: "c", timeout: .seconds(1)))
        let b = try #require(try await driver.pop(from: queue, consumer: "c", timeout: .seconds(1)))
        try await driver.retryLater(a, delay: .seconds(60), error: "e")
        try await driver.deadLetter(b, error: "e")
        _ = try await driver.pop(from: queue, consumer: "c", timeout: .seconds(1))
        #expect(try await driver.depth(of: queue) == QueueDepth(ready: 1, processing: 1, delayed: 1, dead: 1))
        try await driver.purge(queue: queue)
        #expect(try await driver.depth(of: queue) == QueueDepth())
        await test.close(queue)
    }

    @Test func undecodableMessageIsDeadLetteredNotDelivered() async throws {
        let test = try TestQueue(.redis)
        let client = try #require(test.client)
        _ = try await client.send(["LPUSH", test.keyPrefix + queue.rawValue, "this is not json"])
        try await test.driver.push(message("good"), to: queue)
        #expect(try await test.driver.pop(from: queue, consumer: "c", timeout: .seconds(1)) == nil)
        #expect(try await test.driver.pop(from: queue, consumer: "c", timeout: .seconds(1))?.message.id == "good")
        let dead = try await test.driver.deadLetters(queue: queue, limit: 5)
        #expect(dead.first?.error.contains("undecodable") == true)
        #expect(dead.first?.message.payload == "this is not json")
        await test.close(queue)
    }

    @Test func scriptsSurviveAFlushedScriptCache() async throws {
        let test = try TestQueue(.redis)
        let client = try #require(test.client)
        try await test.driver.push(message("a"), to: queue)
        #expect(try await test.driver.depth(of: queue).ready == 1)
        _ = try await client.send(["SCRIPT", "FLUSH"])
        #expect(try await test.driver.depth(of: queue).ready == 1)
        await test.close(queue)
    }
}
