import Foundation
import Store
import Testing
import Workflows

/// The summary the dashboard's live view and seed 002's training runs share.
@Suite struct JobGroupTests {
    static func job(_ id: String, _ status: JobStatus, progress: Double, error: String? = nil, created: String, updated: String) throws -> JobRecord {
        var object: [String: Any] = [
            "id": id, "type": "forecast", "queue": "forecast_queue", "status": status.rawValue, "progress": progress, "attempts": 1,
            "payload": "{}", "created_at": created, "updated_at": updated,
        ]
        if let error { object["error"] = error }
        return try JSONDecoder().decode(JobRecord.self, from: JSONSerialization.data(withJSONObject: object))
    }

    @Test func countsEachStateAndAveragesOverTheExpectedJobs() throws {
        let jobs = [
            try Self.job("a", .completed, progress: 1, created: "2026-01-01T00:00:02Z", updated: "2026-01-01T00:00:09Z"),
            try Self.job("b", .skipped, progress: 1, created: "2026-01-01T00:00:01Z", updated: "2026-01-01T00:00:03Z"),
            try Self.job("c", .failed, progress: 0.5, error: "every model failed", created: "2026-01-01T00:00:03Z", updated: "2026-01-01T00:00:04Z"),
            try Self.job("d", .running, progress: 0.3, created: "2026-01-01T00:00:04Z", updated: "2026-01-01T00:00:05Z"),
        ]
        // Five expected: the fifth is not created yet, waiting at progress 0.
        let g = JobGroup(jobs, expected: 5)
        #expect(g.total == 5 && g.completed == 1 && g.skipped == 1 && g.done == 2 && g.failed == 1 && g.running == 1 && g.waiting == 1)
        #expect(abs(g.progress - (1 + 1 + 0.5 + 0.3) / 5) < 1e-12)
        #expect(g.errors == ["every model failed"])
        #expect(g.firstCreated == "2026-01-01T00:00:01Z" && g.lastUpdated == "2026-01-01T00:00:09Z")
        // Without an expectation the jobs are the whole group; none at all is empty, not a division by zero.
        #expect(JobGroup(jobs).total == 4 && JobGroup(jobs).waiting == 0)
        #expect(JobGroup([]).progress == 0 && JobGroup([]).total == 0)
    }
}
