import Foundation
import Hummingbird
import HummingbirdTesting
import Jobs
import Models
import Workflows
import Store
import Testing

/// Upload → etl-worker → forecast-worker, with the workers running in-process, on both backends.
@Suite("Pipeline flow", .serialized)
struct PipelineFlowTests {
    static func waitForBatch(_ client: any TestClientProtocol, _ batch: String, status: String = "completed") async throws -> [String: Any] {
        let final = try await eventually("batch \(batch) to finish") { () -> [String: String]? in
            let meta = try await client.get("/metadata/\(batch)").object
            guard let s = meta["status"] as? String, s == "completed" || s == "failed" else { return nil }
            return ["status": s]
        }
        let meta = try await client.get("/metadata/\(batch)").object
        #expect(final["status"] == status, "batch \(batch): \(meta)")
        return meta
    }

    static func invoices(_ client: any TestClientProtocol, _ query: String = "") async throws -> [[String: Any]] {
        try await client.get("/invoice-data?limit=100000" + query).page
    }

    @Test(arguments: Backend.allCases)
    func uploadIsIngestedAndForecastWithAccuracy(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["FORECAST_HORIZON": "14"])
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let r = try await client.upload(salesCSV(categories: ["alpha", "beta"], days: 70))
            let batch = try #require(r.object["batch_num"] as? String)
            let meta = try await Self.waitForBatch(client, batch)
            #expect(meta["num_total_rows"] as? Int == 280)
            #expect(meta["num_inserted_rows"] as? Int == 280)
            let rows = try await Self.invoices(client, "&category=alpha&product_id=P0-0")
            #expect(rows.count == 70)
            // Newest first (seed 003): the oldest row is the last.
            #expect(rows.first?["date"] as? String == "2024-03-10")
            #expect(rows.last?["date"] as? String == "2024-01-01")
            #expect(rows.last?["sales"] as? Double == 10.0)
            #expect(rows.last?["version"] as? Int == 1)
            let window = try await Self.invoices(client, "&category=beta&start_date=2024-01-10&end_date=2024-01-12")
            #expect(window.count == 6)
            // Forecasts: 14 days after 2024-03-10 for each of the five models and category, with 95% bands around the mean.
            // Generous wait: the fits and backtests share 2 cores with every other suite of the parallel run.
            let forecasts = try await eventually(timeout: .seconds(240), "forecasts for both categories") { () -> Int? in
                let n = try await client.get("/forecast-data?limit=1000").array.count
                return n == 2 * 5 * 14 ? n : nil
            }
            #expect(forecasts == 140)
            for model in ["holt_winters", "sarimax", "prophet", "theta", "auto"] {
                let f = try await client.get("/forecast-data?category=alpha&model_type=\(model)").array
                #expect(f.count == 14, "\(model)")
                #expect(f.first?["forecast_date"] as? String == "2024-03-24", "\(model): newest first")
                #expect(f.last?["forecast_date"] as? String == "2024-03-11", "\(model)")
                for p in f {
                    let v = try #require(p["forecast_value"] as? Double), lo = try #require(p["lower_bound"] as? Double), hi = try #require(p["upper_bound"] as? Double)
                    #expect(lo <= v && v <= hi, "\(model) \(p)")
                }
            }
            // Per product (the hierarchy): each of alpha's two products has 14 days, the bands nested around the
            // value, reconciled by the method the backtest chose.
            var productSums = [String: Double]()
            for product in ["P0-0", "P0-1"] {
                let f = try await client.get("/forecast-data?category=alpha&product_id=\(product)").array
                #expect(f.count == 14, "\(product): \(f.prefix(2))")
                #expect(f.first?["forecast_date"] as? String == "2024-03-24", "newest first")
                for p in f {
                    let v = try #require(p["forecast_value"] as? Double)
                    let lo80 = try #require(p["lower_80"] as? Double), hi80 = try #require(p["upper_80"] as? Double)
                    let lo = try #require(p["lower_bound"] as? Double), hi = try #require(p["upper_bound"] as? Double)
                    #expect(0 <= lo && lo <= lo80 && lo80 <= v && v <= hi80 && hi80 <= hi, "\(p)")
                    #expect(["bottom_up", "top_down", "mint_shrink"].contains(p["reconciliation"] as? String ?? ""), "\(p)")
                    #expect(["holt_winters", "theta"].contains(p["base"] as? String ?? ""), "70 days of history: the product has its own model (\(p))")
                    productSums[p["forecast_date"] as? String ?? "", default: 0] += v
                }
            }
            #expect(productSums.count == 14 && productSums.values.allSatisfy { $0 > 0 })
            let mixed = try await client.execute(uri: "/forecast-data?product_id=P0-0&model_type=auto", method: .get)
            #expect(mixed.status == .badRequest)
            #expect(String(buffer: mixed.body).contains("model_type"))
            #expect(try await client.get("/forecast-data?product_id=nope").array.isEmpty)
            let accuracy = try await client.get("/forecast-accuracy?category=alpha").array
            #expect(accuracy.count == 5)
            #expect(accuracy.filter { $0["is_best"] as? Bool == true }.count == 1)
            #expect(accuracy.first { $0["is_best"] as? Bool == true }?["model_type"] as? String != "auto", "best marks a single model")
            let auto = try #require(accuracy.first { $0["model_type"] as? String == "auto" })
            #expect((auto["form"] as? String).map { !$0.isEmpty } == true, "\(auto)")
            for a in accuracy {
                #expect((a["smape"] as? Double).map { $0 >= 0 && $0 < 200 } == true, "\(a)")
                #expect((a["windows"] as? Int ?? 0) >= 1, "\(a)")
                #expect(a["calibration"] == nil, "the calibration member is stored, not served: \(a.keys)")
            }
            // Each fit stores its backtest as a calibration member, which the other categories' fits pool.
            let members = try await fx.runtime.store.calibrationMembers(excluding: "alpha", limit: 100)
            #expect(Set(members.map(\.modelType)) == ["holt_winters", "sarimax", "prophet", "theta", "auto"], "beta's members only")
            for m in members {
                let pool = try JSONDecoder().decode(CalibrationPool.self, from: Data(m.member.utf8))
                #expect(pool.members == 1 && pool.count > 0, "\(m.modelType)")
            }
            // The same data again (a different file, same values): nothing changes, the forecast is skipped.
            let same = try await client.upload(salesCSV(categories: ["alpha"], days: 70) + "\n")
            let sameBatch = try #require(same.object["batch_num"] as? String)
            let sameMeta = try await Self.waitForBatch(client, sameBatch)
            #expect(sameMeta["num_unchanged_rows"] as? Int == 140)
            #expect(sameMeta["num_inserted_rows"] as? Int == 0)
            // No category changed, so no forecast job was queued; a forecast job pushed anyway is skipped.
            // The dashboard's live view: the file read, then both categories fitted.
            _ = try await eventually("both forecast jobs finished") { () -> Bool? in
                let p = try await client.get("/dashboard/progress?batch_num=\(batch)").object
                return (p["forecasts"] as? [String: Any])?["done"] as? Int == 2 ? true : nil
            }
            let progress = try await client.get("/dashboard/progress?batch_num=\(batch)").object
            #expect(progress["etl_status"] as? String == "completed" && progress["etl_progress"] as? Double == 1)
            #expect((progress["forecasts"] as? [String: Any])?["total"] as? Int == 2)
            #expect((progress["forecasts"] as? [String: Any])?["progress"] as? Double == 1)
            #expect(try await client.get("/dashboard/progress").status == .badRequest)
            #expect(try await client.get("/dashboard/progress?batch_num=nope").object["etl_status"] == nil)
            let forecastJobs = try await client.get("/jobs?type=forecast").array
            #expect(forecastJobs.count == 2)
            for job in forecastJobs {
                let result = "\(job["result"] ?? "")"
                #expect(result.contains("hierarchy") && result.contains("reconciliation") && result.contains("mint_shrink"), "\(job)")
            }
            let extra = NewJob(id: "forecast-again", type: "forecast", queue: "forecast_queue", payload: #"{"category":"alpha"}"#)
            try await fx.runtime.store.createJob(extra)
            await fx.runtime.push(extra)
            let skipped = try await eventually("the repeat forecast job to be skipped") { () -> String? in
                let s = try await client.get("/jobs/forecast-again").object["status"] as? String
                return s == "queued" || s == "running" ? nil : s
            }
            #expect(skipped == "skipped")
        }
    }

    @Test(arguments: Backend.allCases)
    func aBadRowFailsTheBatchAndWritesNothing(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let csv = """
                Date,product_id,category,sales
                2024-01-01,p1,c,1.5
                2024-02-30,p1,c,2
                2024-01-03,,c,3
                2024-01-04,p1,c,abc
                2024-01-05,p1,c,inf
                2024-01-06,p1,c,4,extra
                05/01/2024,p2,c,7

                """
            let r = try await client.upload(csv)
            let batch = try #require(r.object["batch_num"] as? String)
            let meta = try await Self.waitForBatch(client, batch, status: "failed")
            let log = try #require(meta["error_log"] as? String)
            for line in ["line 3", "line 4", "line 5", "line 6", "line 7"] { #expect(log.contains(line), "\(line) not in \(log)") }
            #expect(!log.contains("line 2:") && !log.contains("line 8"), "\(log)")
            #expect(try await Self.invoices(client).isEmpty)
            // The same rows with on_error=skip: the good rows land, the bad ones are counted and listed.
            let skip = try await client.upload(csv + "\n", query: "?on_error=skip")
            let skipBatch = try #require(skip.object["batch_num"] as? String)
            let skipMeta = try await Self.waitForBatch(client, skipBatch)
            #expect(skipMeta["num_rejected_rows"] as? Int == 5)
            #expect(skipMeta["num_inserted_rows"] as? Int == 2)
            #expect((skipMeta["error_log"] as? String)?.contains("line 4") == true)
            let rows = try await Self.invoices(client)
            #expect(Set(rows.compactMap { $0["date"] as? String }) == ["2024-01-01", "2024-01-05"])
            // DD/MM/YYYY: 05/01/2024 is the 5th of January.
            #expect(rows.first { $0["product_id"] as? String == "p2" }?["date"] as? String == "2024-01-05")
        }
    }

    @Test(arguments: Backend.allCases)
    func theFileOfAFailedBatchMayBeUploadedAgainAsOneNewBatch(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let csv = "Date,product_id,category,sales\n2024-01-01,p1,c,1.5\n2024-01-02,p1,c,abc\n2024-01-03,p1,c,2\n"
            let failed = try #require(try await client.upload(csv).object["batch_num"] as? String)
            _ = try await Self.waitForBatch(client, failed, status: "failed")
            // The same bytes with on_error=skip, five times at once: one new batch, four 409s naming it.
            let results = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<5 {
                    group.addTask { let r = try await client.upload(csv, query: "?on_error=skip"); return (r.status, r.object["batch_num"] as? String) }
                }
                var out: [(HTTPResponse.Status, String?)] = []
                for try await r in group { out.append(r) }
                return out
            }
            #expect(results.filter { $0.0 == .created }.count == 1, "\(results)")
            #expect(results.filter { $0.0 == .conflict }.count == 4, "\(results)")
            let retry = try #require(results.first { $0.0 == .created }?.1)
            #expect(retry != failed)
            #expect(Set(results.compactMap(\.1)) == [retry], "the 409s name the retry, not the failed batch")
            let meta = try await Self.waitForBatch(client, retry)
            #expect(meta["num_inserted_rows"] as? Int == 2)
            #expect(meta["num_rejected_rows"] as? Int == 1)
            #expect(try await client.get("/metadata/\(failed)").object["status"] as? String == "failed", "the failed batch stays on record")
            // Its batch completed, the file is a duplicate again.
            let again = try await client.upload(csv, query: "?on_error=skip")
            #expect(again.status == .conflict)
            #expect(again.object["batch_num"] as? String == retry)
            #expect(try await client.get("/metadata").array.count == 2)
            #expect(try await fx.runtime.store.jobs(type: "etl", status: nil, limit: 10, offset: 0).count == 2)
            #expect(try fx.uploadedFiles().count == 2)
        }
    }

    @Test(arguments: Backend.allCases)
    func imputationRepeatsAndLaterUploadsWin(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let first = """
                Date,product_id,category,sales
                2024-01-01,p1,c,10
                2024-01-02,p1,c,NA
                2024-01-03,p1,c,
                2024-01-01,p2,c,null
                2024-01-04,p1,c,5
                2024-01-04,p1,c,6

                """
            let a = try #require(try await client.upload(first).object["batch_num"] as? String)
            let metaA = try await Self.waitForBatch(client, a)
            #expect(metaA["num_missing_rows"] as? Int == 3)
            #expect(metaA["num_imputed_rows"] as? Int == 3)
            #expect(metaA["num_repeated_rows"] as? Int == 1)
            let rows = try await Self.invoices(client)
            func value(_ p: String, _ d: String) -> (Double?, Bool?, Int?) {
                let r = rows.first { $0["product_id"] as? String == p && $0["date"] as? String == d }
                return (r?["sales"] as? Double, r?["is_imputed"] as? Bool, r?["version"] as? Int)
            }
            #expect(value("p1", "2024-01-02") == (10, true, 1))  // forward-filled within the file
            #expect(value("p1", "2024-01-03") == (10, true, 1))
            #expect(value("p2", "2024-01-01") == (0, true, 1))   // nothing earlier: 0
            #expect(value("p1", "2024-01-04") == (6, false, 1))  // the last repeat wins
            // A second upload changes one value, keeps one, and imputes from the stored value.
            let second = """
                Date,product_id,category,sales
                2024-01-04,p1,c,7
                2024-01-01,p1,c,10
                2024-01-05,p1,c,NaN

                """
            let b = try #require(try await client.upload(second).object["batch_num"] as? String)
            let metaB = try await Self.waitForBatch(client, b)
            #expect(metaB["num_updated_rows"] as? Int == 1)
            #expect(metaB["num_unchanged_rows"] as? Int == 1)
            #expect(metaB["num_inserted_rows"] as? Int == 1)
            let after = try await Self.invoices(client)
            let jan4 = after.first { $0["product_id"] as? String == "p1" && $0["date"] as? String == "2024-01-04" }
            #expect(jan4?["sales"] as? Double == 7)
            #expect(jan4?["version"] as? Int == 2)
            #expect(jan4?["batch_num"] as? String == b)
            let jan5 = after.first { $0["product_id"] as? String == "p1" && $0["date"] as? String == "2024-01-05" }
            #expect(jan5?["sales"] as? Double == 7)
            #expect(jan5?["is_imputed"] as? Bool == true)
        }
    }

    @Test(arguments: Backend.allCases)
    func aRedeliveredETLMessageChangesNothing(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend)
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let batch = try #require(try await client.upload(salesCSV(days: 20)).object["batch_num"] as? String)
            _ = try await Self.waitForBatch(client, batch)
            let before = try await Self.invoices(client)
            // The same message again, as a redelivery after a crash between COMMIT and acknowledgement.
            let job = try #require(try await fx.runtime.store.job(id: "etl-\(batch)"))
            try await fx.runtime.queue.push(JobMessage(id: job.id, type: job.type, payload: job.payload), to: "etl_queue")
            _ = try await eventually("the redelivered message to be consumed") { () -> Bool? in
                let d = try await fx.runtime.queue.depth(of: "etl_queue")
                return d.ready == 0 && d.processing == 0 ? true : nil
            }
            let after = try await Self.invoices(client)
            #expect(after.count == before.count)
            #expect(after.map { $0["version"] as? Int } == before.map { $0["version"] as? Int })
            let meta = try await client.get("/metadata/\(batch)").object
            #expect(meta["num_inserted_rows"] as? Int == 40)
            #expect(meta["status"] as? String == "completed")
        }
    }

    @Test(arguments: Backend.allCases)
    func severalJobsForOneCategoryLeadToOneFit(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["FORECAST_HORIZON": "7", "WORKER_CONCURRENCY": "3"])
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let batch = try #require(try await client.upload(salesCSV(days: 40)).object["batch_num"] as? String)
            _ = try await Self.waitForBatch(client, batch)
            // Three more jobs for the same, unchanged category, taken at once by three consumers.
            let ids = (0..<3).map { "forecast-extra-\($0)" }
            for id in ids {
                let job = NewJob(id: id, type: "forecast", queue: "forecast_queue", payload: #"{"category":"alpha"}"#)
                try await fx.runtime.store.createJob(job)
                await fx.runtime.push(job)
            }
            let statuses = try await eventually("every forecast job to finish") { () -> [String]? in
                let jobs = try await client.get("/jobs?type=forecast").array
                let s = jobs.compactMap { $0["status"] as? String }
                return s.count == 4 && s.allSatisfy({ $0 == "completed" || $0 == "skipped" || $0 == "failed" }) ? s : nil
            }
            #expect(statuses.filter { $0 == "completed" }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == "skipped" }.count == 3, "\(statuses)")
        }
    }
}
