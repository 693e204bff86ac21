import Foundation
import Config
public import Jobs
import Logging
import Models
import Store
import Synchronization

/// forecast-worker's job: refit a category's models (the seed's three, theta, and auto from their backtests)
/// when its data changed, write forecasts and accuracy.
public struct ForecastHandler: Sendable {
    let runtime: AlmanacRuntime
    /// One fit per category at a time in this process: a second job for a category waits, then finds the
    /// data unchanged since the fit that just finished and is skipped.
    let categoryLocks = KeyedLock()

    public init(runtime: AlmanacRuntime) { self.runtime = runtime }

    public func handle(_ message: JobMessage) async throws {
        let payload = try ForecastJob.decode(message)
        try await categoryLocks.withLock(payload.category) {
            try await withForecastLease(payload.category) { try await fit(message, payload: payload) }
        }
    }

    static let leaseTTL = 10.0

    /// Holds the category's lease in the database while `body` runs, so forecast-worker processes never fit
    /// one category twice at once; the lease is renewed every 3.3 s and lapses 10 s after a killed worker.
    func withForecastLease(_ category: String, _ body: @Sendable () async throws -> Void) async throws {
        let store = runtime.store
        let owner = "\(ProcessIdentity.name)-\(UInt64.random(in: 0...UInt64.max))"
        while try await !store.acquireForecastLease(category: category, owner: owner, ttlSeconds: Self.leaseTTL) {
            try await Task.sleep(for: .milliseconds(500))
        }
        let renew = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(Self.leaseTTL / 3))
                if Task.isCancelled { break }
                _ = try? await store.acquireForecastLease(category: category, owner: owner, ttlSeconds: Self.leaseTTL)
            }
        }
        do {
            try await body()
        } catch {
            renew.cancel()
            try? await store.releaseForecastLease(category: category, owner: owner)
            throw error
        }
        renew.cancel()
        try? await store.releaseForecastLease(category: category, owner: owner)
    }

    func fit(_ message: JobMessage, payload: ForecastJob) async throws {
        let store = runtime.store
        let logger = runtime.logger
        let series = try await store.categorySeries(payload.category)
        var options = try await ForecastEngine.Options.active(store: store, horizon: runtime.config.forecastHorizon)
        let fingerprint = series.fingerprint + options.parametersTag
        if let done = try await store.forecastFingerprint(category: payload.category), done == fingerprint {
            try await store.jobFinished(id: message.id, status: .skipped, result: "{\"reason\":\"data unchanged since the last forecast\"}", error: nil)
            logger.info("forecast skipped: data unchanged", metadata: ["job.id": "\(message.id)", "category": "\(payload.category)"])
            return
        }
        guard !series.days.isEmpty else {
            throw JobFailure.permanent("category \"\(payload.category)\" has no sales data")
        }
        let (startDay, values) = ForecastEngine.dailyFilled(series)
        options.pools = try await calibrationPools(excluding: payload.category)
        try await store.jobProgress(id: message.id, progress: 0.1)
        // Progress: 0.1 when the series is read, then up to 0.95 as each model's fit and backtest finish.
        let runs = try await ForecastEngine.run(values: values, startDay: startDay, options: options) { done, total in
            try? await store.jobProgress(id: message.id, progress: 0.1 + 0.85 * Double(done) / Double(max(1, total)))
        }
        let lastDay = startDay + Int32(values.count - 1)
        var forecasts: [CategoryForecast] = []
        var accuracy: [AccuracyRecord] = []
        var notes: [String] = []
        for run in runs {
            if let f = run.forecast, let i95 = f.interval(level: 95) {
                let points = (0..<f.mean.count).map { k in
                    (date: DayNumber.format(lastDay + 1 + Int32(k)), value: f.mean[k], lower: i95.lower[k], upper: i95.upper[k])
                }
                let band80 = f.interval(level: 80).map { i80 in f.mean.indices.map { (lower: i80.lower[$0], upper: i80.upper[$0]) } }
                forecasts.append(CategoryForecast(modelType: run.model, points: points, band80: band80))
            }
            if let s = run.summary { notes += s.notes.map { "\(run.model.rawValue): \($0)" } }
            if let e = run.error { notes.append("\(run.model.rawValue) failed: \(e)") }
            accuracy.append(AccuracyRecord(
                category: payload.category, modelType: run.model.rawValue,
                smape: run.backtest.map(\.smape).flatMap(finite), mase: run.backtest.map(\.mase).flatMap(finite),
                coverage80: run.backtest.map(\.coverage80).flatMap(finite), coverage95: run.backtest.map(\.coverage95).flatMap(finite),
                windows: run.backtest?.windows ?? 0, isBest: false, form: run.summary?.form, error: run.error))
            accuracy[accuracy.count - 1].calibration = run.calibration.flatMap(Self.poolMember)
        }
        // The best single model (auto's backtest score is the lowest of its candidates' by construction).
        if let best = accuracy.indices.filter({ accuracy[$0].error == nil && accuracy[$0].windows > 0 && accuracy[$0].modelType != ModelType.auto.rawValue })
            .min(by: { (accuracy[$0].mase ?? accuracy[$0].smape ?? .infinity) < (accuracy[$1].mase ?? accuracy[$1].smape ?? .infinity) }) {
            accuracy[best].isBest = true
        }
        guard !forecasts.isEmpty else {
            throw JobFailure.permanent("every model failed: " + notes.joined(separator: "; "))
        }
        // Products before the category's run record: a worker killed between the two refits both next time.
        let hierarchy = try await reconcileProducts(
            payload, runs: runs, best: accuracy.first(where: \.isBest)?.modelType, values: values, startDay: startDay, lastDay: lastDay,
            period: options.period(for: .theta))
        try await store.saveForecasts(
            category: payload.category, fingerprint: fingerprint, lastDate: DayNumber.format(lastDay),
            forecasts: forecasts, accuracy: accuracy, batchNum: payload.batchNum,
            notes: notes.isEmpty ? nil : notes.joined(separator: "\n"))
        let summary = ForecastResult(
            models: Dictionary(uniqueKeysWithValues: runs.map { ($0.model.rawValue, $0.summary?.form ?? ($0.error ?? "failed")) }),
            hierarchy: hierarchy)
        let result = (try? String(decoding: JSONEncoder().encode(summary), as: UTF8.self)) ?? "{}"
        try await store.jobFinished(id: message.id, status: .completed, result: result, error: notes.filter { $0.contains("failed") }.first)
        logger.info("forecast written", metadata: ["job.id": "\(message.id)", "category": "\(payload.category)", "days": "\(values.count)"])
    }

    private func finite(_ v: Double) -> Double? { v.isFinite ? v : nil }

    /// The latest fits of at most this many other categories pool their backtests into a category's calibration.
    static let poolCategories = 50

    /// Per model, the pool of the other categories' latest backtests (CalibrationPool); a member that does not
    /// decode (written by another version) is left out.
    func calibrationPools(excluding category: String) async throws -> [ModelType: CalibrationPool] {
        let members = try await runtime.store.calibrationMembers(excluding: category, limit: Self.poolCategories * ModelType.allCases.count)
        var pools: [ModelType: CalibrationPool] = [:]
        for (modelType, json) in members {
            guard let model = ModelType(rawValue: modelType),
                  let member = try? JSONDecoder().decode(CalibrationPool.self, from: Data(json.utf8)) else { continue }
            pools[model, default: CalibrationPool()].merge(member)
        }
        return pools
    }

    /// A run's backtest as a one-member pool, the JSON stored beside its accuracy row; nil when it adds nothing.
    static func poolMember(_ calibration: IntervalCalibration) -> String? {
        var member = CalibrationPool()
        member.add(calibration)
        guard member.count > 0, let data = try? JSONEncoder().encode(member) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// A forecast job's result: each model's form, and how the category's products were reconciled.
    struct ForecastResult: Encodable {
        var models: [String: String]
        var hierarchy: HierarchySummary?
    }

    struct HierarchySummary: Encodable {
        var reconciliation: String
        var products: Int
        var modelled: Int
        var windows: Int
        /// Each method's mean backtest score (half the category's scaled error, half the products').
        var scores: [String: Double]
        var basedOn: String

        enum CodingKeys: String, CodingKey {
            case reconciliation, products, modelled, windows, scores, basedOn = "based_on"
        }
    }

    /// Forecasts for each product of the category (HierarchicalForecast), reconciled with the forecast of the
    /// category's best model, and written; nil when the category has no model with a forecast to build on.
    func reconcileProducts(
        _ payload: ForecastJob, runs: [ForecastEngine.ModelRun], best: String?, values: [Double], startDay: Int32, lastDay: Int32, period: Int
    ) async throws -> HierarchySummary? {
        let candidates = runs.filter { $0.forecast != nil && $0.model != .auto }
        guard let base = candidates.first(where: { $0.model.rawValue == best }) ?? candidates.first(where: { $0.model == .holtWinters }) ?? candidates.first,
              let totalForecast = base.forecast else { return nil }
        let products = try await runtime.store.productSeries(payload.category)
        guard !products.isEmpty else { return nil }
        let parts = products.map { p in
            var v = [Double](repeating: 0, count: values.count)
            for (d, sales) in zip(p.days, p.sales) where d >= startDay && Int(d - startDay) < v.count { v[Int(d - startDay)] += sales }
            return HierarchicalForecast.Part(id: p.productID, values: v)
        }
        let options = HierarchicalForecast.Options(
            horizon: totalForecast.mean.count, period: period, maxModelled: runtime.config.forecastProductModels)
        let windows = base.windows
        let result = await Compute.run {
            HierarchicalForecast.run(total: values, totalForecast: totalForecast, totalWindows: windows, parts: parts, options: options)
        }
        let rows = result.parts.map { part in
            let f = part.forecast, i80 = f.interval(level: 80), i95 = f.interval(level: 95)
            return ProductForecast(productID: part.id, base: part.base, points: f.mean.indices.map { k in
                ForecastPoint(
                    date: DayNumber.format(lastDay + 1 + Int32(k)), value: f.mean[k], lower80: i80?.lower[k], upper80: i80?.upper[k],
                    lower95: i95?.lower[k], upper95: i95?.upper[k])
            })
        }
        try await runtime.store.saveProductForecasts(
            category: payload.category, reconciliation: result.method.rawValue, products: rows, batchNum: payload.batchNum)
        return HierarchySummary(
            reconciliation: result.method.rawValue, products: result.parts.count, modelled: result.modelled, windows: result.windows,
            scores: Dictionary(uniqueKeysWithValues: result.scores.map { ($0.key.rawValue, ($0.value * 10_000).rounded() / 10_000) }),
            basedOn: base.model.rawValue)
    }
}

/// Mutual exclusion per key for async code: waiters queue in order; no thread is blocked.
final class KeyedLock: Sendable {
    private struct State {
        var held: Set<String> = []
        var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    }
    private let state = Mutex(State())

    func withLock<T: Sendable>(_ key: String, _ body: () async throws -> T) async throws -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: String) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { s -> Bool in
                if s.held.insert(key).inserted { return true }
                s.waiters[key, default: []].append(c)
                return false
            }
            if granted { c.resume() }
        }
    }

    private func release(_ key: String) {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if var queue = s.waiters[key], !queue.isEmpty {
                let c = queue.removeFirst()
                s.waiters[key] = queue.isEmpty ? nil : queue
                return c  // ownership passes to the next waiter: the key stays held
            }
            s.held.remove(key)
            return nil
        }
        next?.resume()
    }
}

/// Names this process in leases: host and pid.
enum ProcessIdentity {
    static let name: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(host)-\(getpid())"
    }()
}
