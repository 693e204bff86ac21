import Foundation

// The model store (schedule sessions, quotas, model versions), the parameter sets, the forecast leases and the
// retention deletes, written once for both databases (issue 18, item 5).

extension SQLRepository {
    // MARK: schedule sessions

    var sessionColumns: String {
        "session_id, client_ip, \(dialect.instant("created_at")), \(dialect.unixSeconds("expires_at"))"
    }

    public func createScheduleSession(id: String, clientIP: String, ttlSeconds: Int) async throws -> ScheduleSessionRecord {
        let rows = try await database.query("""
            INSERT INTO schedule_sessions (session_id, client_ip, expires_at)
            VALUES (\(id), \(clientIP), \(dialect.clock(plus: Double(ttlSeconds))))
            RETURNING \(unescaped: sessionColumns)
            """) { try ScheduleSessionRecord(row: $0) }
        guard let session = rows.first else { throw StoreError("schedule_sessions insert returned no row") }
        return session
    }

    public func scheduleSession(id: String) async throws -> ScheduleSessionRecord? {
        try await database.query("""
            SELECT \(unescaped: sessionColumns) FROM schedule_sessions WHERE session_id = \(id) AND expires_at > \(unescaped: dialect.clock)
            """) { try ScheduleSessionRecord(row: $0) }.first
    }

    public func deleteScheduleSession(id: String) async throws -> Bool {
        try await database.withTransaction { conn in
            try conn.run("DELETE FROM model_versions WHERE kind = 'schedule' AND subject = \(id)")
            return try conn.run("DELETE FROM schedule_sessions WHERE session_id = \(id)") == 1
        }
    }

    public func deleteExpiredScheduleSessions() async throws -> [String] {
        try await database.withTransaction { conn in
            let ids = try conn.rows("DELETE FROM schedule_sessions WHERE expires_at <= \(unescaped: dialect.clock) RETURNING session_id")
                .map { try $0.string(0) }
            for id in ids { try conn.run("DELETE FROM model_versions WHERE kind = 'schedule' AND subject = \(id)") }
            try conn.run("DELETE FROM ip_quota_events WHERE at < \(dialect.clock(plus: -172_800))")
            return ids.sorted()
        }
    }

    public func scheduleSessionCount() async throws -> Int {
        try await database.query("SELECT count(*) FROM schedule_sessions WHERE expires_at > \(unescaped: dialect.clock)") {
            try $0.int(0)
        }.first ?? 0
    }

    public func replaceScheduleRecords(sessionID: String, records: [ScheduleRecordRow]) async throws {
        let json = String(decoding: try JSONEncoder().encode(records), as: UTF8.self)
        let rows: StoreSQL = switch dialect {
        case .postgres:
            "SELECT \(sessionID), r.e, r.d::date, r.s, r.f FROM json_to_recordset(\(json)::json) AS r(e text, d text, s int, f int)"
        case .sqlite:
            """
            SELECT \(sessionID), json_extract(value, '$.e'), json_extract(value, '$.d'), json_extract(value, '$.s'),
                   json_extract(value, '$.f')
            FROM json_each(\(json))
            """
        }
        try await database.withTransaction { conn in
            try conn.run("DELETE FROM schedule_records WHERE session_id = \(sessionID)")
            try conn.run("INSERT INTO schedule_records (session_id, entity, work_date, start_minute, end_minute) \(rows)")
        }
    }

    public func scheduleRecords(sessionID: String, entity: String?) async throws -> [ScheduleRecordRow] {
        var sql: StoreSQL = """
            SELECT entity, \(unescaped: dialect.text("work_date")), start_minute, end_minute FROM schedule_records
            WHERE session_id = \(sessionID)
            """
        if let entity { sql.append(" AND entity = \(entity)") }
        sql.append(" ORDER BY entity, work_date")
        return try await database.query(sql) { r in
            ScheduleRecordRow(entity: try r.string(0), date: try r.string(1), startMinute: try r.int(2), endMinute: try r.int(3))
        }
    }

    public func consumeQuota(clientIP: String, action: String, limit: Int, windowSeconds: Double) async throws -> Bool {
        let lock = dialect.transactionLock("quota/" + action + "/" + clientIP)
        return try await database.withTransaction { conn in
            if let lock { _ = try conn.rows(lock) }
            let used = try conn.rows("""
                SELECT count(*) FROM ip_quota_events
                WHERE client_ip = \(clientIP) AND action = \(action) AND at > \(dialect.clock(plus: -windowSeconds))
                """).first?.int(0) ?? 0
            guard used < limit else { return false }
            try conn.run("INSERT INTO ip_quota_events (client_ip, action, at) VALUES (\(clientIP), \(action), \(unescaped: dialect.clock))")
            return true
        }
    }

    // MARK: model versions

    var versionSummaryColumns: String {
        "kind, subject, version, params, metrics, training_summary, job_id, \(dialect.instant("created_at"))"
    }

    public func insertModelVersion(_ v: NewModelVersion) async throws -> ModelVersionRecord {
        let lock = dialect.transactionLock("model/" + v.kind.rawValue + "/" + v.subject)
        return try await database.withTransaction { conn in
            if let lock { _ = try conn.rows(lock) }
            if let jobID = v.jobID, let existing = try conn.rows("""
                SELECT \(unescaped: versionSummaryColumns), training_data, model FROM model_versions WHERE job_id = \(jobID)
                """).first {
                return try ModelVersionRecord(row: existing)
            }
            let rows = try conn.rows("""
                INSERT INTO model_versions (kind, subject, version, params, metrics, training_summary, training_data, model, job_id)
                SELECT \(v.kind.rawValue), \(v.subject), coalesce(max(version), 0) + 1, \(v.params), \(v.metrics),
                       \(v.trainingSummary), \(v.trainingData), \(v.model), \(v.jobID)
                FROM model_versions WHERE kind = \(v.kind.rawValue) AND subject = \(v.subject)
                RETURNING \(unescaped: versionSummaryColumns), training_data, model
                """)
            guard let row = rows.first else { throw StoreError("model_versions insert returned no row") }
            return try ModelVersionRecord(row: row)
        }
    }

    public func modelVersion(kind: ModelKind, subject: String, version: Int?) async throws -> ModelVersionRecord? {
        var sql: StoreSQL = """
            SELECT \(unescaped: versionSummaryColumns), training_data, model FROM model_versions
            WHERE kind = \(kind.rawValue) AND subject = \(subject)
            """
        if let version { sql.append(" AND version = \(version)") }
        sql.append(" ORDER BY version DESC LIMIT 1")
        return try await database.query(sql) { try ModelVersionRecord(row: $0) }.first
    }

    public func modelVersion(jobID: String) async throws -> ModelVersionRecord? {
        try await database.query("""
            SELECT \(unescaped: versionSummaryColumns), training_data, model FROM model_versions WHERE job_id = \(jobID)
            """) { try ModelVersionRecord(row: $0) }.first
    }

    public func modelVersions(kind: ModelKind, subject: String) async throws -> [ModelVersionSummary] {
        try await database.query("""
            SELECT \(unescaped: versionSummaryColumns) FROM model_versions
            WHERE kind = \(kind.rawValue) AND subject = \(subject) ORDER BY version DESC
            """) { try ModelVersionSummary(row: $0) }
    }

    public func latestModelVersion(kind: ModelKind, subject: String) async throws -> Int? {
        try await database.query("SELECT max(version) FROM model_versions WHERE kind = \(kind.rawValue) AND subject = \(subject)") {
            try $0.optionalInt(0)
        }.first ?? nil
    }

    public func modelSubjectCount(kind: ModelKind) async throws -> Int {
        try await database.query("SELECT count(DISTINCT subject) FROM model_versions WHERE kind = \(kind.rawValue)") { try $0.int(0) }
            .first ?? 0
    }

    public func modelSubjects(kind: ModelKind, limit: Int) async throws -> [String] {
        try await database.query("""
            SELECT DISTINCT subject FROM model_versions WHERE kind = \(kind.rawValue) ORDER BY subject LIMIT \(limit)
            """) { try $0.string(0) }
    }

    public func deleteOldModelVersions(keep: Int, dryRun: Bool) async throws -> Int {
        let ranked: StoreSQL = """
            SELECT id, row_number() OVER (PARTITION BY kind, subject ORDER BY version DESC) AS position FROM model_versions
            """
        let keep = max(1, keep)
        if dryRun {
            return try await database.query("SELECT count(*) FROM (\(ranked)) AS ranked WHERE position > \(keep)") { try $0.int(0) }
                .first ?? 0
        }
        return try await database.run("DELETE FROM model_versions WHERE id IN (SELECT id FROM (\(ranked)) AS ranked WHERE position > \(keep))")
    }

    // MARK: parameter sets (seed 002)

    var modelParamsColumns: String {
        "id, model_type, name, parameters, is_active, \(dialect.instant("created_at")), \(dialect.instant("activated_at"))"
    }

    public func createModelParams(modelType: String, name: String, parameters: String) async throws -> ModelParamsRecord {
        let rows = try await database.query("""
            INSERT INTO model_params (model_type, name, parameters) VALUES (\(modelType), \(name), \(parameters))
            RETURNING \(unescaped: modelParamsColumns)
            """) { try ModelParamsRecord(row: $0) }
        guard let record = rows.first else { throw StoreError("model_params insert returned no row") }
        return record
    }

    public func modelParams(modelType: String?) async throws -> [ModelParamsRecord] {
        var sql: StoreSQL = "SELECT \(unescaped: modelParamsColumns) FROM model_params"
        if let modelType { sql.append(" WHERE model_type = \(modelType)") }
        sql.append(" ORDER BY id")
        return try await database.query(sql) { try ModelParamsRecord(row: $0) }
    }

    public func activateModelParams(id: Int) async throws -> ModelParamsRecord? {
        try await database.withTransaction { conn in
            guard let row = try conn.rows("SELECT model_type FROM model_params WHERE id = \(id)\(unescaped: dialect.forUpdate)").first else {
                return nil
            }
            let type = try row.string(0)
            try conn.run("UPDATE model_params SET is_active = \(false) WHERE model_type = \(type) AND is_active AND id <> \(id)")
            return try conn.rows("""
                UPDATE model_params SET is_active = \(true), activated_at = \(unescaped: dialect.now) WHERE id = \(id)
                RETURNING \(unescaped: modelParamsColumns)
                """).first.map { try ModelParamsRecord(row: $0) }
        }
    }

    // MARK: forecast leases

    public func acquireForecastLease(category: String, owner: String, ttlSeconds: Double) async throws -> Bool {
        let rows = try await database.query("""
            INSERT INTO forecast_leases (category, owner, expires_at) VALUES (\(category), \(owner), \(dialect.clock(plus: ttlSeconds)))
            ON CONFLICT (category) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
            WHERE forecast_leases.owner = excluded.owner OR forecast_leases.expires_at < \(unescaped: dialect.clock)
            RETURNING owner
            """) { try $0.string(0) }
        return !rows.isEmpty
    }

    public func releaseForecastLease(category: String, owner: String) async throws {
        try await database.run("DELETE FROM forecast_leases WHERE category = \(category) AND owner = \(owner)")
    }

    // MARK: series

    /// A category's daily totals, and the fingerprint of its rows (count, versions, sum) that says whether a fit
    /// of them is still current.
    public func categorySeries(_ category: String) async throws -> CategorySeries {
        let d = dialect
        return try await database.withConnection { conn in
            let rows = try conn.rows("""
                SELECT \(unescaped: d.dayNumber("date")), \(unescaped: d.real("sum(sales)")) FROM invoice_data
                WHERE category = \(category) GROUP BY date ORDER BY date
                """)
            let fp = try conn.rows("""
                SELECT \(unescaped: d.text("count(*)")) || ':' || \(unescaped: d.text("coalesce(sum(version), 0)")) || ':'
                       || \(unescaped: d.moneyText("coalesce(sum(sales), 0)"))
                FROM invoice_data WHERE category = \(category)
                """)
            return CategorySeries(
                days: try rows.map { Int32(try $0.int(0)) }, totals: try rows.map { try $0.double(1) },
                fingerprint: try fp[0].string(0))
        }
    }

    /// Each product's daily sales in a category, one series per product (the rows come in product then day order).
    public func productSeries(_ category: String) async throws -> [ProductSeries] {
        let rows = try await database.query("""
            SELECT product_id, \(unescaped: dialect.dayNumber("date")), \(unescaped: dialect.real("sales")) FROM invoice_data
            WHERE category = \(category) ORDER BY product_id, date
            """) { (product: try $0.string(0), day: Int32(try $0.int(1)), sales: try $0.double(2)) }
        var out: [ProductSeries] = []
        for (product, day, sales) in rows {
            if out.last?.productID != product { out.append(ProductSeries(productID: product, days: [], sales: [])) }
            out[out.count - 1].days.append(day)
            out[out.count - 1].sales.append(sales)
        }
        return out
    }

    // MARK: saving a fit

    /// A category's fit in one transaction: each model's points upserted and its rows outside them deleted, the
    /// accuracy replaced, and the run's fingerprint recorded, so a reader sees the old fit or the new one.
    public func saveForecasts(
        category: String, fingerprint: String, lastDate: String,
        forecasts: [CategoryForecast], accuracy: [AccuracyRecord], batchNum: String?, notes: String?
    ) async throws {
        let d = dialect
        try await database.withTransaction { conn in
            for f in forecasts {
                for (k, p) in f.points.enumerated() {
                    let band = f.band80?[k]
                    try conn.run("""
                        INSERT INTO forecast_data (forecast_date, category, model_type, forecast_value, lower_bound, upper_bound, lower_80, upper_80, batch_num)
                        VALUES (\(d.date(p.date)), \(category), \(f.modelType.rawValue), \(d.money(p.value)), \(d.money(p.lower)), \(d.money(p.upper)),
                                \(d.money(band?.lower)), \(d.money(band?.upper)), \(batchNum))
                        ON CONFLICT (forecast_date, category, model_type) DO UPDATE SET
                            forecast_value = excluded.forecast_value, lower_bound = excluded.lower_bound,
                            upper_bound = excluded.upper_bound, lower_80 = excluded.lower_80, upper_80 = excluded.upper_80,
                            batch_num = excluded.batch_num, created_at = \(unescaped: d.now)
                        """)
                }
                // The model's days are exactly its points: a day the new fit does not forecast goes, inside the range
                // (a gap) as well as outside it.
                try conn.run("""
                    DELETE FROM forecast_data WHERE category = \(category) AND model_type = \(f.modelType.rawValue)
                    AND \(unescaped: d.text("forecast_date")) NOT IN (\(d.textRows(f.points.map(\.date))))
                    """)
            }
            try conn.run("DELETE FROM forecast_accuracy WHERE category = \(category)")
            for a in accuracy {
                try conn.run("""
                    INSERT INTO forecast_accuracy (category, model_type, smape, mase, coverage_80, coverage_95, windows, is_best, form, error, calibration)
                    VALUES (\(category), \(a.modelType), \(a.smape), \(a.mase), \(a.coverage80), \(a.coverage95),
                            \(a.windows), \(a.isBest), \(a.form), \(a.error), \(a.calibration))
                    """)
            }
            try conn.run("""
                INSERT INTO forecast_runs (category, data_fingerprint, last_date, notes) VALUES (\(category), \(fingerprint), \(d.date(lastDate)), \(notes))
                ON CONFLICT (category) DO UPDATE SET data_fingerprint = excluded.data_fingerprint,
                    last_date = excluded.last_date, notes = excluded.notes, fitted_at = \(unescaped: d.now)
                """)
        }
    }

    // MARK: retention

    // A forecast expires by when it was computed (`forecast_data.created_at`, set again by every fit that writes
    // the row), never by the day it forecasts: a fit of 2024 history forecasts 2024 days, and those rows are as
    // new as any. The backtest accuracy of a fit (`forecast_accuracy.fitted_at`) expires by the same rule.
    public func deleteForecasts(computedBefore cutoff: Date, dryRun: Bool) async throws -> ForecastRetention {
        let before = dialect.instant(unixSeconds: cutoff.timeIntervalSince1970)
        return try await database.withTransaction { conn in
            if dryRun {
                let rows = try conn.rows("""
                    SELECT (SELECT count(*) FROM forecast_data WHERE created_at < \(before))
                           + (SELECT count(*) FROM product_forecast_data WHERE created_at < \(before)),
                           (SELECT count(*) FROM forecast_accuracy WHERE fitted_at < \(before))
                    """)
                return ForecastRetention(forecasts: try rows[0].int(0), accuracyRows: try rows[0].int(1))
            }
            let forecasts = try conn.run("DELETE FROM forecast_data WHERE created_at < \(before)")
                + conn.run("DELETE FROM product_forecast_data WHERE created_at < \(before)")
            let accuracy = try conn.run("DELETE FROM forecast_accuracy WHERE fitted_at < \(before)")
            // A category left without forecasts forgets the fingerprint of its data, so its next job fits again.
            try conn.run("DELETE FROM forecast_runs WHERE NOT EXISTS (SELECT 1 FROM forecast_data f WHERE f.category = forecast_runs.category)")
            return ForecastRetention(forecasts: forecasts, accuracyRows: accuracy)
        }
    }
}

extension ScheduleSessionRecord {
    /// Columns: `SQLRepository.sessionColumns`.
    init(row r: some StoreRow) throws {
        self.init(sessionID: try r.string(0), clientIP: try r.string(1), createdAt: try r.string(2), expiresAt: try r.double(3))
    }
}

extension ModelVersionSummary {
    /// Columns: `SQLRepository.versionSummaryColumns`.
    init(row r: some StoreRow) throws {
        self.init(
            kind: ModelKind(rawValue: try r.string(0)) ?? .anomaly, subject: try r.string(1), version: try r.int(2),
            params: try r.string(3), metrics: try r.string(4), trainingSummary: try r.string(5), jobID: try r.optionalString(6),
            createdAt: try r.string(7))
    }
}

extension ModelVersionRecord {
    /// Columns: `SQLRepository.versionSummaryColumns`, training_data, model.
    init(row r: some StoreRow) throws {
        self.init(summary: try ModelVersionSummary(row: r), trainingData: try r.optionalString(8), model: try r.string(9))
    }
}

extension ModelParamsRecord {
    /// Columns: `SQLRepository.modelParamsColumns`.
    init(row r: some StoreRow) throws {
        self.init(
            id: try r.int(0), modelType: try r.string(1), name: try r.string(2), parameters: try r.string(3), isActive: try r.bool(4),
            createdAt: try r.string(5), activatedAt: try r.optionalString(6))
    }
}
