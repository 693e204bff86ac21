import Foundation
import Postgres
import SQLite

// Hierarchies (issue 20): each product's sales for the forecast worker, and its reconciled forecasts.

/// Rows of (product, day, sales) in product then day order, as one series per product.
func groupedByProduct<Row>(_ rows: [Row], _ read: (Row) throws -> (product: String, day: Int32, sales: Double)) rethrows -> [ProductSeries] {
    var out: [ProductSeries] = []
    for r in rows {
        let (product, day, sales) = try read(r)
        if out.last?.productID != product { out.append(ProductSeries(productID: product, days: [], sales: [])) }
        out[out.count - 1].days.append(day)
        out[out.count - 1].sales.append(sales)
    }
    return out
}

extension SQLiteStore {
    public func productSeries(_ category: String) async throws -> [ProductSeries] {
        try await db.withConnection { conn in
            let rows = try conn.query("SELECT product_id, date, sales FROM invoice_data WHERE category = \(category) ORDER BY product_id, date")
            return try groupedByProduct(rows) { r in
                let text = try r.decode(String.self, at: 1)
                guard let day = DayNumber.parse(text) else { throw StoreError("bad stored date \(text)") }
                return (try r.decode(String.self, at: 0), day, try r.decode(Double.self, at: 2))
            }
        }
    }

    public func saveProductForecasts(category: String, reconciliation: String, products: [ProductForecast], batchNum: String?) async throws {
        try await db.withTransaction { conn in
            _ = try conn.execute("DELETE FROM product_forecast_data WHERE category = \(category)")
            for product in products {
                for p in product.points {
                    _ = try conn.execute("""
                        INSERT INTO product_forecast_data (category, product_id, forecast_date, forecast_value, lower_80, upper_80,
                                                           lower_bound, upper_bound, reconciliation, base, batch_num)
                        VALUES (\(category), \(product.productID), \(p.date), \(Money.round(p.value)), \(p.lower80.map(Money.round)),
                                \(p.upper80.map(Money.round)), \(p.lower95.map(Money.round)), \(p.upper95.map(Money.round)),
                                \(reconciliation), \(product.base), \(batchNum))
                        """)
                }
            }
        }
    }

    public func productForecasts(_ q: ForecastQuery) async throws -> [ProductForecastRow] {
        var sql: SQLiteQuery = """
            SELECT forecast_date, category, product_id, CAST(forecast_value AS REAL), CAST(lower_80 AS REAL), CAST(upper_80 AS REAL),
                   CAST(lower_bound AS REAL), CAST(upper_bound AS REAL), reconciliation, base, substr(created_at, 1, 19) || 'Z', batch_num
            FROM product_forecast_data WHERE 1
            """
        Self.appendForecastPage(q, key: "product_id", value: q.productID, to: &sql)
        let query = sql
        return try await db.withConnection { conn in
            try conn.query(query).map { r in
                try ProductForecastRow(row: r)
            }
        }
    }
}

extension SQLiteStore {
    static func insertFinishedJob(_ conn: SQLiteConnection, _ job: NewJob, result: String) throws {
        try insertJob(conn, job)
        _ = try conn.execute("""
            UPDATE jobs SET status = 'completed', progress = 1, result = \(result), started_at = \(unescaped: Self.now),
                finished_at = \(unescaped: Self.now), updated_at = \(unescaped: Self.now) WHERE id = \(job.id)
            """)
    }

    public func saveReport(_ job: NewJob, result: String, filename: String, content: String) async throws {
        try await db.withTransaction { conn in
            try Self.insertFinishedJob(conn, job, result: result)
            _ = try conn.execute("INSERT INTO report_files (job_id, filename, content) VALUES (\(job.id), \(filename), \(content))")
        }
    }

    public func recordFinishedJob(_ job: NewJob, result: String) async throws {
        try await db.withTransaction { conn in try Self.insertFinishedJob(conn, job, result: result) }
    }

    public func jobs(ids: [String]) async throws -> [JobRecord] {
        guard !ids.isEmpty else { return [] }
        let list = "[" + ids.map(JSONText.quote).joined(separator: ",") + "]"
        return try await db.withConnection { conn in
            try conn.query("SELECT \(unescaped: Self.jobColumns) FROM jobs WHERE id IN (SELECT value FROM json_each(\(list))) ORDER BY id").map(Self.decodeJob)
        }
    }

    public func report(jobID: String) async throws -> (filename: String, content: String)? {
        try await db.withConnection { conn in
            try conn.query("SELECT filename, content FROM report_files WHERE job_id = \(jobID)").first.map {
                (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1))
            }
        }
    }
}

extension PostgresStore {
    static func insertFinishedJob(_ conn: PostgresConnection, _ job: NewJob, result: String) throws {
        try insertJob(conn, job)
        _ = try conn.execute("""
            UPDATE jobs SET status = 'completed', progress = 1, result = \(result), started_at = now(), finished_at = now(),
                updated_at = now() WHERE id = \(job.id)
            """)
    }

    public func saveReport(_ job: NewJob, result: String, filename: String, content: String) async throws {
        try await client.withTransaction { conn in
            try Self.insertFinishedJob(conn, job, result: result)
            _ = try conn.execute("INSERT INTO report_files (job_id, filename, content) VALUES (\(job.id), \(filename), \(content))")
        }
    }

    public func recordFinishedJob(_ job: NewJob, result: String) async throws {
        try await client.withTransaction { conn in try Self.insertFinishedJob(conn, job, result: result) }
    }

    public func jobs(ids: [String]) async throws -> [JobRecord] {
        guard !ids.isEmpty else { return [] }
        let list = "[" + ids.map(JSONText.quote).joined(separator: ",") + "]"
        return try await client.query("""
            SELECT \(unescaped: Self.jobColumns) FROM jobs WHERE id IN (SELECT jsonb_array_elements_text(\(list)::jsonb)) ORDER BY id
            """).map(Self.decodeJob)
    }

    public func report(jobID: String) async throws -> (filename: String, content: String)? {
        try await client.query("SELECT filename, content FROM report_files WHERE job_id = \(jobID)").first.map {
            (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1))
        }
    }
    public func productSeries(_ category: String) async throws -> [ProductSeries] {
        let rows = try await client.query("""
            SELECT product_id, (date - DATE '1970-01-01')::int4, sales::float8 FROM invoice_data
            WHERE category = \(category) ORDER BY product_id, date
            """)
        return try groupedByProduct(rows) { r in
            (try r.decode(String.self, at: 0), Int32(try r.decode(Int.self, at: 1)), try r.decode(Double.self, at: 2))
        }
    }

    public func saveProductForecasts(category: String, reconciliation: String, products: [ProductForecast], batchNum: String?) async throws {
        try await client.withTransaction { conn in
            _ = try conn.execute("DELETE FROM product_forecast_data WHERE category = \(category)")
            guard !products.isEmpty else { return }
            // One COPY for the category's rows: a category may hold thousands of products.
            _ = try conn.copyFrom("""
                COPY product_forecast_data (category, product_id, forecast_date, forecast_value, lower_80, upper_80,
                                            lower_bound, upper_bound, reconciliation, base, batch_num) FROM STDIN
                """) { writer in
                for product in products {
                    for p in product.points {
                        try writer.appendRow([
                            category, product.productID, p.date, Money.format(p.value), p.lower80.map(Money.format),
                            p.upper80.map(Money.format), p.lower95.map(Money.format), p.upper95.map(Money.format),
                            reconciliation, product.base, batchNum,
                        ])
                    }
                }
            }
        }
    }

    public func productForecasts(_ q: ForecastQuery) async throws -> [ProductForecastRow] {
        var sql: PostgresQuery = """
            SELECT forecast_date::text, category, product_id, forecast_value::float8, lower_80::float8, upper_80::float8,
                   lower_bound::float8, upper_bound::float8, reconciliation, base,
                   to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), batch_num
            FROM product_forecast_data WHERE TRUE
            """
        Self.appendForecastPage(q, key: "product_id", value: q.productID, to: &sql)
        return try await client.query(sql).map { r in
            try ProductForecastRow(row: r)
        }
    }
}

extension SQLiteStore {
    public func calibrationMembers(excluding category: String, limit: Int) async throws -> [(modelType: String, member: String)] {
        try await db.withConnection { conn in
            try conn.query("""
                SELECT model_type, calibration FROM forecast_accuracy WHERE calibration IS NOT NULL AND category <> \(category)
                ORDER BY fitted_at DESC LIMIT \(limit)
                """).map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) }
        }
    }
}

extension PostgresStore {
    public func calibrationMembers(excluding category: String, limit: Int) async throws -> [(modelType: String, member: String)] {
        try await client.query("""
            SELECT model_type, calibration FROM forecast_accuracy WHERE calibration IS NOT NULL AND category <> \(category)
            ORDER BY fitted_at DESC LIMIT \(limit)
            """).map { (try $0.decode(String.self, at: 0), try $0.decode(String.self, at: 1)) }
    }
}
