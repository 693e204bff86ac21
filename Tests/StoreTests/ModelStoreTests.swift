import Foundation
import Testing
import Postgres
import SQLite
@testable import Store

@Suite("ModelStore: sessions, records, quotas and immutable model versions on PostgreSQL and SQLite")
struct ModelStoreTests {
    func open(_ backend: Backend) async throws -> any Store & ModelStore {
        let store = try await backend.open()
        return try #require(store as? any Store & ModelStore)
    }

    func newVersion(_ subject: String, kind: ModelKind = .anomaly, job: String?, model: String = "{\"m\":1}") -> NewModelVersion {
        NewModelVersion(
            kind: kind, subject: subject, params: "{\"k\":3}", metrics: "{\"mean\":1}", trainingSummary: "{\"points\":3}",
            trainingData: "{\"timestamps\":[1,2,3]}", model: model, jobID: job)
    }

    @Test(arguments: Backend.allCases)
    func versionsAreNumberedPerSubjectAndIdempotentPerJob(_ backend: Backend) async throws {
        let store = try await open(backend)
        defer { Task { await store.shutdown() } }
        let v1 = try await store.insertModelVersion(newVersion("s1", job: "j1"))
        let v2 = try await store.insertModelVersion(newVersion("s1", job: "j2", model: "{\"m\":2}"))
        let other = try await store.insertModelVersion(newVersion("s2", job: "j3"))
        let again = try await store.insertModelVersion(newVersion("s1", job: "j1", model: "{\"m\":99}"))
        #expect(v1.version == 1 && v2.version == 2 && other.version == 1)
        #expect(again == v1)
        #expect(try await store.modelVersion(kind: .anomaly, subject: "s1", version: nil)?.model == "{\"m\":2}")
        #expect(try await store.modelVersion(kind: .anomaly, subject: "s1", version: 1)?.model == "{\"m\":1}")
        #expect(try await store.modelVersion(kind: .anomaly, subject: "s1", version: 3) == nil)
        #expect(try await store.modelVersion(kind: .schedule, subject: "s1", version: nil) == nil)
        #expect(try await store.modelVersion(jobID: "j2")?.version == 2)
        #expect(try await store.modelVersions(kind: .anomaly, subject: "s1").map(\.version) == [2, 1])
        #expect(try await store.latestModelVersion(kind: .anomaly, subject: "s1") == 2)
        #expect(try await store.latestModelVersion(kind: .anomaly, subject: "nope") == nil)
        #expect(try await store.modelSubjectCount(kind: .anomaly) == 2)
        #expect(v1.summary.trainingSummary == "{\"points\":3}" && v1.trainingData == "{\"timestamps\":[1,2,3]}")
    }

    @Test(arguments: Backend.allCases)
    func concurrentFitsGetDistinctVersions(_ backend: Backend) async throws {
        let store = try await open(backend)
        defer { Task { await store.shutdown() } }
        let versions = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<8 {
                group.addTask { try await store.insertModelVersion(newVersion("race", job: "race-\(i)")).version }
            }
            var out: [Int] = []
            for try await v in group { out.append(v) }
            return out.sorted()
        }
        #expect(versions == Array(1...8))
    }

    @Test(arguments: Backend.allCases)
    func aVersionCannotBeUpdated(_ backend: Backend) async throws {
        let store = try await open(backend)
        defer { Task { await store.shutdown() } }
        _ = try await store.insertModelVersion(newVersion("frozen", job: "f1"))
        switch backend {
        case .postgres:
            let pg = try #require(store as? PostgresStore)
            await #expect(throws: (any Error).self) {
                _ = try await pg.client.execute("UPDATE model_versions SET model = '{}' WHERE subject = 'frozen'")
            }
        case .sqlite:
            let lite = try #require(store as? SQLiteStore)
            await #expect(throws: (any Error).self) {
                _ = try await lite.db.withConnection { try $0.execute("UPDATE model_versions SET model = '{}' WHERE subject = 'frozen'") }
            }
        }
        #expect(try await store.modelVersion(kind: .anomaly, subject: "frozen", version: 1)?.model == "{\"m\":1}")
    }

    @Test(arguments: Backend.allCases)
    func sessionsOwnTheirRecordsAndModels(_ backend: Backend) async throws {
        let store = try await open(backend)
        defer { Task { await store.shutdown() } }
        let a = try await store.createScheduleSession(id: "sess-a", clientIP: "10.0.0.1", ttlSeconds: 3600)
        _ = try await store.createScheduleSession(id: "sess-b", clientIP: "10.0.0.2", ttlSeconds: 3600)
        #expect(a.sessionID == "sess-a" && a.expiresAt > Date().timeIntervalSince1970 + 3500)
        try await store.replaceScheduleRecords(sessionID: "sess-a", records: [
            .init(entity: "2", date: "2025-01-16", startMinute: 480, endMinute: 1020),
            .init(entity: "1", date: "2025-01-15", startMinute: 510, endMinute: 60),
        ])
        try await store.replaceScheduleRecords(sessionID: "sess-b", records: [.init(entity: "1", date: "2025-02-01", startMinute: 1, endMinute: 2)])
        #expect(try await store.scheduleRecords(sessionID: "sess-a", entity: nil).map(\.entity) == ["1", "2"])
        #expect(try await store.scheduleRecords(sessionID: "sess-a", entity: "1") == [.init(entity: "1", date: "2025-01-15", startMinute: 510, endMinute: 60)])
        // Replacing keeps only the new records.
        try await store.replaceScheduleRecords(sessionID: "sess-a", records: [.init(entity: "3", date: "2025-03-01", startMinute: 0, endMinute: 1439)])
        #expect(try await store.scheduleRecords(sessionID: "sess-a", entity: nil).map(\.entity) == ["3"])
        _ = try await store.insertModelVersion(newVersion("sess-a", kind: .schedule, job: "sa"))
        #expect(try await store.scheduleSessionCount() == 2)
        #expect(try await store.deleteScheduleSession(id: "sess-a"))
        #expect(try await store.deleteScheduleSession(id: "sess-a") == false)
        #expect(try await store.scheduleSession(id: "sess-a") == nil)
        #expect(try await store.scheduleRecords(sessionID: "sess-a", entity: nil).isEmpty)
        #expect(try await store.modelVersion(kind: .schedule, subject: "sess-a", version: nil) == nil)
        #expect(try await store.scheduleRecords(sessionID: "sess-b", entity: nil).count == 1)
    }

    @Test(arguments: Backend.allCases)
    func expiredSessionsAreInvisibleAndCleanedUp(_ backend: Backend) async throws {
        let store = try await open(backend)
        defer { Task { await store.shutdown() } }
        _ = try await store.createScheduleSession(id: "old", clientIP: "ip", ttlSeconds: 1)
        _ = try await store.createScheduleSession(id: "new", clientIP: "ip", ttlSeconds: 3600)
        try await store.replaceScheduleRecords(sessionID: "old", records: [.init(entity: "1", date: "2025-01-15", startMinute: 1, endMinute: 2)])
        _ = try await store.insertModelVersion(newVersion("old", kind: .schedule, job: "old-fit"))
        try await Task.sleep(for: .milliseconds(1200))
        #expect(try await store.scheduleSession(id: "old") == nil)
        #expect(try await store.scheduleSession(id: "new") != nil)
        #expect(try await store.deleteExpiredScheduleSessions() == ["old"])
        #expect(try await store.scheduleRecords(sessionID: "old", entity: nil).isEmpty)
        #expect(try await store.modelVersion(kind: .schedule, subject: "old", version: nil) == nil)
        #expect(try await store.deleteExpiredScheduleSessions().isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func quotasCountPerIPAndAction(_ backend: Backend) async throws {
        let store = try await open(backend)
        defer { Task { await store.shutdown() } }
        for _ in 0..<3 { #expect(try await store.consumeQuota(clientIP: "1.1.1.1", action: "session", limit: 3, windowSeconds: 3600)) }
        #expect(try await store.consumeQuota(clientIP: "1.1.1.1", action: "session", limit: 3, windowSeconds: 3600) == false)
        #expect(try await store.consumeQuota(clientIP: "1.1.1.1", action: "train", limit: 3, windowSeconds: 3600))
        #expect(try await store.consumeQuota(clientIP: "2.2.2.2", action: "session", limit: 3, windowSeconds: 3600))
    }
}
