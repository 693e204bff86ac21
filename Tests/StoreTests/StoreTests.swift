import Foundation
import Logging
import Testing
import TestSupport
@testable import Store

/// The same behaviour, checked against both stores.
enum Backend: String, CaseIterable, CustomTestStringConvertible {
    case postgres, sqlite
    var testDescription: String { rawValue }

    func open() async throws -> any Store {
        let logger = Logger(label: "test")
        switch self {
        case .postgres:
            let store = try PostgresStore(url: try await TestEnvironment.freshDatabase("store"), poolSize: 4, logger: logger)
            try await store.migrate()
            return store
        case .sqlite:
            let dir = try TestEnvironment.temporaryDirectory("store")
            let store = try SQLiteStore(path: dir + "/test.sqlite", logger: logger)
            try await store.migrate()
            return store
        }
    }
}

func upload(_ store: any Store, _ batch: String, hash: String? = nil, onError: OnError = .fail) async throws -> UploadInsertResult {
    try await store.insertUpload(
        NewUpload(batchNum: batch, originalFilename: batch + ".csv", storedFilename: batch + ".csv",
                  fileHash: hash ?? String(repeating: "0", count: 40) + batch.padding(toLength: 24, withPad: "x", startingAt: 0),
                  onError: onError, requestID: nil),
        job: NewJob(id: "etl-" + batch, type: "etl", queue: "etl_queue", payload: "{}"))
}

func day(_ s: String) -> Int32 { DayNumber.parse(s)! }

/// Ingests rows given as (date, product, category, sales?) through the store's streaming interface.
func ingest(_ store: any Store, _ batch: String, _ rows: [(String, String, String, Double?)], errors: [String] = [], fatal: String? = nil) async throws -> IngestOutcome {
    let copy = rows
    return try await store.ingest(batchNum: batch) { emit in
        var summary = ScanSummary(errors: errors, fatal: fatal)
        summary.rejectedRows = errors.count
        for (i, r) in copy.enumerated() {
            summary.totalRows += 1
            if r.3 == nil { summary.missingRows += 1 }
            try emit(SalesRow(day: day(r.0), productID: r.1, category: r.2, sales: r.3, line: i + 2))
        }
        summary.totalRows += errors.count
        return summary
    }
}

@Suite("Store, same tests on PostgreSQL and SQLite")
struct StoreTests {
    @Test(arguments: Backend.allCases)
    func migrationsApplyOnceAndAreIdempotent(_ backend: Backend) async throws {
        let store = try await backend.open()
        let versions = try Migrations.all(for: store.dialect).map(\.version)
        #expect(try await store.appliedMigrations() == versions)
        #expect(try await store.migrate() == [])
        #expect(try await store.appliedMigrations() == versions)
    }

    @Test func concurrentMigrationsOnPostgresApplyOnce() async throws {
        let url = try await TestEnvironment.freshDatabase("mig")
        let applied = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let store = try PostgresStore(url: url, poolSize: 1, logger: Logger(label: "t"))
                    return try await store.migrate()
                }
            }
            var all: [[String]] = []
            for try await a in group { all.append(a) }
            return all
        }
        #expect(applied.filter { !$0.isEmpty }.count == 1)
        #expect(applied.flatMap { $0 } == (try Migrations.all(for: .postgres).map(\.version)))
    }

    @Test(arguments: Backend.allCases)
    func duplicateHashIsRejectedNamingTheOriginal(_ backend: Backend) async throws {
        let store = try await backend.open()
        guard case .accepted(let first) = try await upload(store, "a_1", hash: "h1") else { Issue.record("not accepted"); return }
        #expect(first.status == .uploaded)
        #expect(try await upload(store, "b_2", hash: "h1") == .duplicate(batchNum: "a_1"))
        #expect(try await store.uploads(limit: 10, offset: 0).count == 1)
        #expect(try await store.job(id: "etl-a_1")?.status == .queued)
        #expect(try await store.job(id: "etl-b_2") == nil)
    }

    @Test(arguments: Backend.allCases)
    func tenConcurrentIdenticalUploadsGiveOneAcceptance(_ backend: Backend) async throws {
        let store = try await backend.open()
        let results = try await withThrowingTaskGroup(of: UploadInsertResult.self) { group in
            for i in 0..<10 { group.addTask { try await upload(store, "same_\(i)", hash: "samehash") } }
            var out: [UploadInsertResult] = []
            for try await r in group { out.append(r) }
            return out
        }
        let accepted = results.compactMap { if case .accepted(let u) = $0 { return u.batchNum } else { return nil } }
        #expect(accepted.count == 1)
        #expect(results.filter { $0 == .duplicate(batchNum: accepted.first ?? "") }.count == 9)
    }

    @Test(arguments: Backend.allCases)
    func theFileOfAFailedBatchMayComeAgainAsOneNewBatch(_ backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await upload(store, "bad_1", hash: "h1")
        guard case .failed = try await ingest(store, "bad_1", [], fatal: "unreadable") else { Issue.record("not failed"); return }
        // Ten retries at once: the failed batch does not count, the unique index still lets exactly one through.
        let results = try await withThrowingTaskGroup(of: UploadInsertResult.self) { group in
            for i in 0..<10 { group.addTask { try await upload(store, "retry_\(i)", hash: "h1", onError: .skip) } }
            var out: [UploadInsertResult] = []
            for try await r in group { out.append(r) }
            return out
        }
        let accepted = results.compactMap { if case .accepted(let u) = $0 { return u.batchNum } else { return nil } }
        #expect(accepted.count == 1)
        let retry = try #require(accepted.first)
        #expect(results.filter { $0 == .duplicate(batchNum: retry) }.count == 9, "the duplicates name the retry, not the failed batch")
        #expect(try await store.upload(batchNum: retry)?.onError == .skip)
        #expect(try await store.upload(batchNum: "bad_1")?.status == .failed)
        // While the retry is pending, processing or completed, the file is a duplicate of it.
        #expect(try await upload(store, "late_1", hash: "h1") == .duplicate(batchNum: retry))
        guard case .completed = try await ingest(store, retry, [("2026-01-01", "P", "C", 1)]) else { Issue.record("retry not completed"); return }
        #expect(try await upload(store, "late_2", hash: "h1") == .duplicate(batchNum: retry))
        #expect(try await store.uploads(limit: 20, offset: 0).count == 2)
    }

    @Test(arguments: Backend.allCases)
    func ingestInsertsUpdatesVersionsAndCounts(_ backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await upload(store, "b1")
        let o1 = try await ingest(store, "b1", [
            ("2026-01-01", "P1", "Electronics", 10), ("2026-01-02", "P1", "Electronics", nil),
            ("2026-01-01", "P2", "Furniture", 5.555), ("2026-01-01", "P2", "Furniture", 7),
        ])
        guard case .completed(let c1, let jobs1) = o1 else { Issue.record("\(o1)"); return }
        #expect(c1.inserted == 3 && c1.updated == 0 && c1.unchanged == 0)
        #expect(c1.repeated == 1 && c1.missing == 1 && c1.imputed == 1)
        #expect(c1.categories == ["Electronics", "Furniture"])
        #expect(jobs1.count == 2)
        let rows = try await store.invoices(InvoiceQuery())
        #expect(rows.count == 3)
        let imputed = rows.first { $0.date == "2026-01-02" }!
        #expect(imputed.sales == 10 && imputed.isImputed && imputed.version == 1)
        #expect(rows.first { $0.productID == "P2" }!.sales == 7) // the last repeat wins
        let meta = try await store.upload(batchNum: "b1")!
        #expect(meta.status == .completed && meta.numInsertedRows == 3 && meta.numImputedRows == 1 && meta.numMissingRows == 1)

        // A second batch: one change, one identical, one new.
        _ = try await upload(store, "b2")
        let o2 = try await ingest(store, "b2", [
            ("2026-01-01", "P1", "Electronics", 11), ("2026-01-01", "P2", "Furniture", 7), ("2026-01-03", "P3", "Toys", 1),
        ])
        guard case .completed(let c2, _) = o2 else { Issue.record("\(o2)"); return }
        #expect(c2.inserted == 1 && c2.updated == 1 && c2.unchanged == 1)
        #expect(c2.categories == ["Electronics", "Toys"])
        let after = try await store.invoices(InvoiceQuery(category: "Electronics", startDate: "2026-01-01", endDate: "2026-01-01"))
        #expect(after.count == 1 && after[0].sales == 11 && after[0].version == 2 && after[0].batchNum == "b2")
        let same = try await store.invoices(InvoiceQuery(productID: "P2"))
        #expect(same[0].version == 1 && same[0].batchNum == "b1")

        // Delivered again: nothing changes.
        #expect(try await ingest(store, "b2", [("2026-01-01", "P1", "Electronics", 99)]) == .alreadyCompleted)
        #expect(try await store.invoices(InvoiceQuery(productID: "P1")).first { $0.date == "2026-01-01" }!.sales == 11)
    }

    @Test(arguments: Backend.allCases)
    func laterUploadWinsWhateverTheProcessingOrder(_ backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await upload(store, "old")
        _ = try await upload(store, "mid")
        _ = try await upload(store, "new")
        // Processed newest first: the older batches must not overwrite.
        _ = try await ingest(store, "new", [("2026-02-01", "P", "C", 10)])
        _ = try await ingest(store, "mid", [("2026-02-01", "P", "C", 20)])
        _ = try await ingest(store, "old", [("2026-02-01", "P", "C", 10)])
        let row = try await store.invoices(InvoiceQuery()).first!
        #expect(row.sales == 10 && row.batchNum == "new")
    }

    @Test(arguments: Backend.allCases)
    func imputationFillsFromStoredValuesElseZero(_ backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await upload(store, "s1")
        _ = try await ingest(store, "s1", [("2026-03-01", "P", "C", 4.5)])
        _ = try await upload(store, "s2")
        guard case .completed(let c, _) = try await ingest(store, "s2", [("2026-03-05", "P", "C", nil), ("2026-03-05", "Q", "C", nil)]) else {
            Issue.record("not completed"); return
        }
        #expect(c.imputed == 2)
        let rows = try await store.invoices(InvoiceQuery(startDate: "2026-03-05"))
        #expect(rows.first { $0.productID == "P" }!.sales == 4.5)
        #expect(rows.first { $0.productID == "Q" }!.sales == 0)
    }

    @Test(arguments: Backend.allCases)
    func imputationTakesTheLatestEarlierValueFromTheFileOrTheStore(_ backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await upload(store, "s1")
        _ = try await ingest(store, "s1", [("2026-03-03", "P", "C", 7), ("2026-03-03", "R", "C", 7)])
        _ = try await upload(store, "s2")
        let file: [(String, String, String, Double?)] = [
            ("2026-03-01", "P", "C", 2), ("2026-03-02", "P", "C", nil), ("2026-03-04", "P", "C", nil), ("2026-03-05", "P", "C", nil),
            ("2026-03-03", "R", "C", 9), ("2026-03-04", "R", "C", nil),
        ]
        guard case .completed(let c, _) = try await ingest(store, "s2", file) else { Issue.record("not completed"); return }
        #expect(c.imputed == 4 && c.missing == 4)
        let rows = try await store.invoices(InvoiceQuery())
        func sales(_ product: String, _ date: String) -> Double? { rows.first { $0.productID == product && $0.date == date }?.sales }
        // Only the file has a value before March 2; the stored March 3 is later than the file's March 1; and on
        // the same day (R, March 3) the file's value replaces the stored one, so it is the one carried forward.
        #expect(sales("P", "2026-03-02") == 2)
        #expect(sales("P", "2026-03-04") == 7)
        #expect(sales("P", "2026-03-05") == 7)
        #expect(sales("R", "2026-03-04") == 9)
    }

    @Test(arguments: Backend.allCases)
    func aFailedBatchWritesNothing(_ backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await upload(store, "bad")
        let outcome = try await ingest(store, "bad", [("2026-01-01", "P", "C", 1)], errors: ["line 3: impossible date \"2026-02-30\""])
        #expect(outcome == .failed(errorLog: "line 3: impossible date \"2026-02-30\""))
        #expect(try await store.invoices(InvoiceQuery()).isEmpty)
        let meta = try await store.upload(batchNum: "bad")!
        #expect(meta.status == .failed && meta.errorLog?.contains("line 3") == true)
        #expect(try await store.jobs(type: "forecast", status: nil, limit: 10, offset: 0).isEmpty)

        // on_error=skip: the good rows go in, the bad ones are counted and listed.
        _ = try await upload(store, "skip", onError: .skip)
        guard case .completed(let c, _) = try await ingest(store, "skip", [("2026-01-01", "P", "C", 1)], errors: ["line 3: bad"]) else {
            Issue.record("not completed"); return
        }
        #expect(c.rejected == 1 && c.inserted == 1)
        #expect(try await store.upload(batchNum: "skip")!.errorLog == "line 3: bad")
    }

    @Test(arguments: Backend.allCases)
    func aCategorysSeriesIsItsDailyTotalsAndEachProductsDaysAndItsFingerprintFollowsTheRows(_ backend: Backend) async throws {
        let store = try await backend.open()
        _ = try await upload(store, "s1")
        _ = try await ingest(store, "s1", [
            ("2026-01-02", "P2", "A", 1.25), ("2026-01-01", "P1", "A", 5), ("2026-01-02", "P1", "A", 2.5),
            ("2026-01-04", "P2", "A", 10), ("2026-01-01", "P9", "B", 99),
        ])
        let series = try await store.categorySeries("A")
        #expect(series.days == [day("2026-01-01"), day("2026-01-02"), day("2026-01-04")])
        #expect(series.totals == [5, 3.75, 10])
        // count : versions : sum to the cent, the same text on both backends.
        #expect(series.fingerprint.hasPrefix("4:") && series.fingerprint.hasSuffix(":18.75"), "\(series.fingerprint)")
        let products = try await store.productSeries("A")
        #expect(products.map(\.productID) == ["P1", "P2"])
        #expect(products.map(\.days) == [[day("2026-01-01"), day("2026-01-02")], [day("2026-01-02"), day("2026-01-04")]])
        #expect(products.map(\.sales) == [[5, 2.5], [1.25, 10]])
        // A later upload that changes a day changes the fingerprint; an empty category has one of no rows.
        _ = try await upload(store, "s2")
        _ = try await ingest(store, "s2", [("2026-01-04", "P2", "A", 11)])
        #expect(try await store.categorySeries("A").fingerprint != series.fingerprint)
        let none = try await store.categorySeries("nothing")
        #expect(none.days.isEmpty && none.fingerprint.hasPrefix("0:0:"))
    }

    @Test(arguments: Backend.allCases)
    func aBatchMovesToProcessingOnceAndAFinishedOneKeepsItsStatus(_ backend: Backend) async throws {
        let store = try await backend.open()
        #expect(try await store.markProcessing(batchNum: "no-such-batch") == nil)
        _ = try await upload(store, "mp")
        #expect(try await store.upload(batchNum: "mp")?.status == .uploaded)
        #expect(try await store.markProcessing(batchNum: "mp") == .processing)
        #expect(try await store.markProcessing(batchNum: "mp") == .processing)
        _ = try await ingest(store, "mp", [("2026-01-01", "P1", "A", 5)])
        #expect(try await store.markProcessing(batchNum: "mp") == .completed)
        #expect(try await store.upload(batchNum: "mp")?.status == .completed)
    }

    @Test(arguments: Backend.allCases)
    func forecastsAreReplacedAndStaleRowsRemoved(_ backend: Backend) async throws {
        let store = try await backend.open()
        let first = CategoryForecast(modelType: .prophet, points: (1...3).map { (date: "2026-04-0\($0)", value: Double($0), lower: 0, upper: 9) })
        try await store.saveForecasts(category: "C", fingerprint: "f1", lastDate: "2026-03-31", forecasts: [first], accuracy: [], batchNum: "b", notes: nil)
        let second = CategoryForecast(modelType: .prophet, points: (2...4).map { (date: "2026-04-0\($0)", value: Double($0) * 10, lower: 0, upper: 99) })
        try await store.saveForecasts(category: "C", fingerprint: "f2", lastDate: "2026-04-01", forecasts: [second], accuracy: [
            AccuracyRecord(category: "C", modelType: "prophet", smape: 10, mase: 0.9, coverage80: 0.8, coverage95: 0.95, windows: 3, isBest: true, form: "x", error: nil),
        ], batchNum: "b2", notes: nil)
        let rows = try await store.forecasts(ForecastQuery(category: "C"))
        #expect(rows.map(\.forecastDate) == ["2026-04-02", "2026-04-03", "2026-04-04"])
        #expect(rows.map(\.forecastValue) == [20, 30, 40])
        #expect(try await store.forecastFingerprint(category: "C") == "f2")
        #expect(try await store.accuracy(category: "C").first?.isBest == true)
        // A fit whose days have a gap: the day inside the range it no longer forecasts goes too, and amounts and
        // the 80 % band are kept to the cent.
        let third = CategoryForecast(
            modelType: .prophet, points: [("2026-04-02", 12.3456, 1.004, 30.996), ("2026-04-04", 40, 0, 99)],
            band80: [(5.5551, 20.4449), (30, 50)])
        try await store.saveForecasts(category: "C", fingerprint: "f3", lastDate: "2026-04-01", forecasts: [third], accuracy: [], batchNum: "b3", notes: nil)
        let gapped = try await store.forecasts(ForecastQuery(category: "C"))
        #expect(gapped.map(\.forecastDate) == ["2026-04-02", "2026-04-04"])
        #expect(gapped.first.map { [$0.forecastValue, $0.lowerBound, $0.upperBound, $0.lower80, $0.upper80] } == [12.35, 1, 31, 5.56, 20.44])
        #expect(try await store.accuracy(category: "C").isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func forecastRetentionGoesByWhenAForecastWasComputedNotTheDayItForecasts(_ backend: Backend) async throws {
        let store = try await backend.open()
        // A fit of 2024 history made now: its forecast days are long past, the rows are new.
        let past = CategoryForecast(modelType: .holtWinters, points: (1...3).map { (date: "2024-04-0\($0)", value: Double($0), lower: 0, upper: 9) })
        try await store.saveForecasts(category: "C", fingerprint: "f", lastDate: "2024-03-31", forecasts: [past], accuracy: [
            AccuracyRecord(category: "C", modelType: "holt_winters", smape: 10, mase: 0.9, coverage80: 0.8, coverage95: 0.95, windows: 3, isBest: true, form: "x", error: nil),
        ], batchNum: "b", notes: nil)
        let now = Date()
        let dayAgo = now.addingTimeInterval(-86400), inAMinute = now.addingTimeInterval(60)
        #expect(try await store.deleteForecasts(computedBefore: dayAgo, dryRun: false) == ForecastRetention(forecasts: 0, accuracyRows: 0))
        #expect(try await store.forecasts(ForecastQuery(category: "C")).count == 3)
        // Once the cutoff passes the moment of the fit, the forecasts and their backtest go together.
        #expect(try await store.deleteForecasts(computedBefore: inAMinute, dryRun: true) == ForecastRetention(forecasts: 3, accuracyRows: 1))
        #expect(try await store.forecasts(ForecastQuery(category: "C")).count == 3, "a dry run deletes nothing")
        #expect(try await store.deleteForecasts(computedBefore: inAMinute, dryRun: false) == ForecastRetention(forecasts: 3, accuracyRows: 1))
        #expect(try await store.forecasts(ForecastQuery(category: "C")).isEmpty)
        #expect(try await store.accuracy(category: "C").isEmpty)
        // With no forecast left, the category's fingerprint goes too, so a job on the same data fits again.
        #expect(try await store.forecastFingerprint(category: "C") == nil)
    }

    @Test(arguments: Backend.allCases)
    func jobsLifecycleAndRequeueQuery(_ backend: Backend) async throws {
        let store = try await backend.open()
        #expect(try await store.createJob(NewJob(id: "j1", type: "forecast", queue: "forecast_queue", payload: "{}")))
        #expect(try await store.createJob(NewJob(id: "j1", type: "forecast", queue: "forecast_queue", payload: "{}")) == false)
        try await store.jobStarted(id: "j1", attempt: 0)
        #expect(try await store.job(id: "j1")?.status == .running)
        #expect(try await store.unfinishedJobs(idleFor: 0, limit: 10).map(\.id) == ["j1"])
        #expect(try await store.unfinishedJobs(idleFor: 3600, limit: 10).isEmpty)
        try await store.jobFinished(id: "j1", status: .completed, result: "{\"ok\":true}", error: nil)
        let done = try await store.job(id: "j1")!
        #expect(done.status == .completed && done.progress == 1 && done.attempts == 1)
        // A late failure report never overrides completion.
        try await store.jobFinished(id: "j1", status: .failed, result: nil, error: "late")
        #expect(try await store.job(id: "j1")?.status == .completed)
        #expect(try await store.unfinishedJobs(idleFor: 0, limit: 10).isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func forecastLeaseHasOneHolderAndLapses(_ backend: Backend) async throws {
        let store = try await backend.open()
        #expect(try await store.acquireForecastLease(category: "C", owner: "a", ttlSeconds: 3600))
        #expect(try await store.acquireForecastLease(category: "C", owner: "b", ttlSeconds: 3600) == false)
        #expect(try await store.acquireForecastLease(category: "D", owner: "b", ttlSeconds: 3600))
        // The holder renews; someone else's release leaves it in place.
        #expect(try await store.acquireForecastLease(category: "C", owner: "a", ttlSeconds: 3600))
        try await store.releaseForecastLease(category: "C", owner: "b")
        #expect(try await store.acquireForecastLease(category: "C", owner: "b", ttlSeconds: 3600) == false)
        try await store.releaseForecastLease(category: "C", owner: "a")
        #expect(try await store.acquireForecastLease(category: "C", owner: "b", ttlSeconds: 3600))
        // A lease whose holder stopped renewing (here: already expired) is taken over.
        #expect(try await store.acquireForecastLease(category: "E", owner: "dead", ttlSeconds: -1))
        #expect(try await store.acquireForecastLease(category: "E", owner: "c", ttlSeconds: 3600))
        #expect(try await store.acquireForecastLease(category: "E", owner: "dead", ttlSeconds: 3600) == false)
    }
}
