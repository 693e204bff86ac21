import Foundation
import Postgres

extension PostgresStore: ModelStore {
    static let sessionColumns = """
        session_id, client_ip, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        extract(epoch FROM expires_at)::float8
        """

    static func decodeSession(_ r: PostgresRow) throws -> ScheduleSessionRecord {
        ScheduleSessionRecord(
            sessionID: try r.decode(String.self, at: 0), clientIP: try r.decode(String.self, at: 1),
            createdAt: try r.decode(String.self, at: 2), expiresAt: try r.decode(Double.self, at: 3))
    }

    public func createScheduleSession(id: String, clientIP: String, ttlSeconds: Int) async throws -> ScheduleSessionRecord {
        let rows = try await client.query("""
            INSERT INTO schedule_sessions (session_id, client_ip, expires_at)
            VALUES (\(id), \(clientIP), now() + make_interval(secs => \(Double(ttlSeconds))))
            RETURNING \(unescaped: Self.sessionColumns)
            """)
        return try Self.decodeSession(rows[0])
    }

    public func scheduleSession(id: String) async throws -> ScheduleSessionRecord? {
        try await client.query("""
            SELECT \(unescaped: Self.sessionColumns) FROM schedule_sessions WHERE session_id = \(id) AND expires_at > now()
            """).first.map(Self.decodeSession)
    }

    public func deleteScheduleSession(id: String) async throws -> Bool {
        try await client.withTransaction { conn in
            _ = try conn.execute("DELETE FROM model_versions WHERE kind = 'schedule' AND subject = \(id)")
            return try conn.execute("DELETE FROM schedule_sessions WHERE session_id = \(id)") == 1
        }
    }

    public func deleteExpiredScheduleSessions() async throws -> [String] {
        try await client.withTransaction { conn in
            let ids = try conn.query("DELETE FROM schedule_sessions WHERE expires_at <= now() RETURNING session_id")
                .map { try $0.decode(String.self, at: 0) }
            for id in ids { _ = try conn.execute("DELETE FROM model_versions WHERE kind = 'schedule' AND subject = \(id)") }
            _ = try conn.execute("DELETE FROM ip_quota_events WHERE at < now() - interval '2 days'")
            return ids.sorted()
        }
    }

    public func scheduleSessionCount() async throws -> Int {
        try await client.query("SELECT count(*) FROM schedule_sessions WHERE expires_at > now()")[0].decode(Int.self, at: 0)
    }

    public func replaceScheduleRecords(sessionID: String, records: [ScheduleRecordRow]) async throws {
        let json = String(decoding: try JSONEncoder().encode(records), as: UTF8.self)
        try await client.withTransaction { conn in
            _ = try conn.execute("DELETE FROM schedule_records WHERE session_id = \(sessionID)")
            _ = try conn.execute("""
                INSERT INTO schedule_records (session_id, entity, work_date, start_minute, end_minute)
                SELECT \(sessionID), r.e, r.d::date, r.s, r.f FROM json_to_recordset(\(json)::json) AS r(e text, d text, s int, f int)
                """)
        }
    }

    public func scheduleRecords(sessionID: String, entity: String?) async throws -> [ScheduleRecordRow] {
        var sql: PostgresQuery = """
            SELECT entity, to_char(work_date, 'YYYY-MM-DD'), start_minute, end_minute FROM schedule_records
            WHERE session_id = \(sessionID)
            """
        if let entity { sql.append(" AND entity = \(entity)") }
        sql.append(" ORDER BY entity, work_date")
        return try await client.query(sql).map { r in
            ScheduleRecordRow(
                entity: try r.decode(String.self, at: 0), date: try r.decode(String.self, at: 1),
                startMinute: try r.decode(Int.self, at: 2), endMinute: try r.decode(Int.self, at: 3))
        }
    }

    public func consumeQuota(clientIP: String, action: String, limit: Int, windowSeconds: Double) async throws -> Bool {
        try await client.withTransaction { conn in
            _ = try conn.query("SELECT pg_advisory_xact_lock(hashtext(\("quota/" + action + "/" + clientIP)))")
            let used = try conn.query("""
                SELECT count(*) FROM ip_quota_events
                WHERE client_ip = \(clientIP) AND action = \(action) AND at > now() - make_interval(secs => \(windowSeconds))
                """)[0].decode(Int.self, at: 0)
            guard used < limit else { return false }
            _ = try conn.execute("INSERT INTO ip_quota_events (client_ip, action) VALUES (\(clientIP), \(action))")
            return true
        }
    }

    static let versionSummaryColumns = """
        kind, subject, version, params, metrics, training_summary, job_id,
        to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        """

    static func decodeVersionSummary(_ r: PostgresRow) throws -> ModelVersionSummary {
        ModelVersionSummary(
            kind: ModelKind(rawValue: try r.decode(String.self, at: 0)) ?? .anomaly, subject: try r.decode(String.self, at: 1),
            version: try r.decode(Int.self, at: 2), params: try r.decode(String.self, at: 3),
            metrics: try r.decode(String.self, at: 4), trainingSummary: try r.decode(String.self, at: 5),
            jobID: try r.decode(String?.self, at: 6), createdAt: try r.decode(String.self, at: 7))
    }

    static func decodeVersion(_ r: PostgresRow) throws -> ModelVersionRecord {
        ModelVersionRecord(
            summary: try decodeVersionSummary(r), trainingData: try r.decode(String?.self, at: 8),
            model: try r.decode(String.self, at: 9))
    }

    public func insertModelVersion(_ v: NewModelVersion) async throws -> ModelVersionRecord {
        try await client.withTransaction { conn in
            _ = try conn.query("SELECT pg_advisory_xact_lock(hashtext(\("model/" + v.kind.rawValue + "/" + v.subject)))")
            if let jobID = v.jobID, let existing = try conn.query("""
                SELECT \(unescaped: Self.versionSummaryColumns), training_data, model FROM model_versions WHERE job_id = \(jobID)
                """).first {
                return try Self.decodeVersion(existing)
            }
            let rows = try conn.query("""
                INSERT INTO model_versions (kind, subject, version, params, metrics, training_summary, training_data, model, job_id)
                SELECT \(v.kind.rawValue), \(v.subject), coalesce(max(version), 0) + 1, \(v.params), \(v.metrics),
                       \(v.trainingSummary), \(v.trainingData), \(v.model), \(v.jobID)
                FROM model_versions WHERE kind = \(v.kind.rawValue) AND subject = \(v.subject)
                RETURNING \(unescaped: Self.versionSummaryColumns), training_data, model
                """)
            return try Self.decodeVersion(rows[0])
        }
    }

    public func modelVersion(kind: ModelKind, subject: String, version: Int?) async throws -> ModelVersionRecord? {
        var sql: PostgresQuery = """
            SELECT \(unescaped: Self.versionSummaryColumns), training_data, model FROM model_versions
            WHERE kind = \(kind.rawValue) AND subject = \(subject)
            """
        if let version { sql.append(" AND version = \(version)") }
        sql.append(" ORDER BY version DESC LIMIT 1")
        return try await client.query(sql).first.map(Self.decodeVersion)
    }

    public func modelVersion(jobID: String) async throws -> ModelVersionRecord? {
        try await client.query("""
            SELECT \(unescaped: Self.versionSummaryColumns), training_data, model FROM model_versions WHERE job_id = \(jobID)
            """).first.map(Self.decodeVersion)
    }

    public func modelVersions(kind: ModelKind, subject: String) async throws -> [ModelVersionSummary] {
        try await client.query("""
            SELECT \(unescaped: Self.versionSummaryColumns) FROM model_versions
            WHERE kind = \(kind.rawValue) AND subject = \(subject) ORDER BY version DESC
            """).map(Self.decodeVersionSummary)
    }

    public func latestModelVersion(kind: ModelKind, subject: String) async throws -> Int? {
        try await client.query("SELECT max(version) FROM model_versions WHERE kind = \(kind.rawValue) AND subject = \(subject)")[0]
            .decode(Int?.self, at: 0)
    }

    public func modelSubjectCount(kind: ModelKind) async throws -> Int {
        try await client.query("SELECT count(DISTINCT subject) FROM model_versions WHERE kind = \(kind.rawValue)")[0].decode(Int.self, at: 0)
    }

    public func modelSubjects(kind: ModelKind, limit: Int) async throws -> [String] {
        try await client.query("SELECT DISTINCT subject FROM model_versions WHERE kind = \(kind.rawValue) ORDER BY subject LIMIT \(limit)")
            .map { try $0.decode(String.self, at: 0) }
    }
}
