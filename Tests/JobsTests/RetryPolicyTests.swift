import Foundation
import Jobs
import Testing

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test func cappedExponentialWithoutJitter() {
        let policy = RetryPolicy(maxAttempts: 5, baseDelay: .seconds(1), maxDelay: .seconds(5), jitter: 0)
        #expect(policy.delay(afterAttempt: 0) == .seconds(1))
        #expect(policy.delay(afterAttempt: 1) == .seconds(2))
        #expect(policy.delay(afterAttempt: 2) == .seconds(4))
        #expect(policy.delay(afterAttempt: 3) == .seconds(5))
        #expect(policy.delay(afterAttempt: 40) == .seconds(5))
    }

    @Test func jitterShortensWithinTheFraction() {
        let policy = RetryPolicy(baseDelay: .seconds(10), maxDelay: .seconds(60), jitter: 0.5)
        for _ in 0..<200 {
            let delay = policy.delay(afterAttempt: 0)
            #expect(delay >= .seconds(5) && delay <= .seconds(10))
        }
    }

    @Test func attemptsCountDeliveries() {
        let policy = RetryPolicy()
        #expect(policy.maxAttempts == 3)
        #expect(policy.allowsRetry(afterAttempt: 0))
        #expect(policy.allowsRetry(afterAttempt: 1))
        #expect(!policy.allowsRetry(afterAttempt: 2))
    }

    @Test func codableInSeconds() throws {
        let json = #"{"maxAttempts":4,"baseDelay":0.5,"maxDelay":30,"jitter":0.1}"#
        let policy = try JSONDecoder().decode(RetryPolicy.self, from: Data(json.utf8))
        #expect(policy == RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(500), maxDelay: .seconds(30), jitter: 0.1))
        let again = try JSONDecoder().decode(RetryPolicy.self, from: try JSONEncoder().encode(policy))
        #expect(again == policy)
    }

    @Test func messageJSONShape() throws {
        let message = JobMessage(id: "j1", type: "etl", payload: #"{"batch":"b1"}"#, attempt: 2, enqueuedAt: 1_700_000_000.1234, requestID: "r1")
        let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(message)) as? [String: Any]
        #expect(object?["id"] as? String == "j1")
        #expect(object?["payload"] as? String == #"{"batch":"b1"}"#)
        #expect(object?["attempt"] as? Int == 2)
        #expect(message.enqueuedAt == 1_700_000_000.123)
        // A hand-written producer: payload as an object, no attempt or time.
        let lenient = try JSONDecoder().decode(JobMessage.self, from: Data(#"{"id":"x","type":"etl","payload":{"a":1}}"#.utf8))
        #expect(lenient.attempt == 0)
        #expect(lenient.payload == #"{"a":1}"#)
    }
}
