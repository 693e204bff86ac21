import ArgumentParser
import CSV
import Foundation
import Models
import Store
import Workflows

/// `almanac`: Almanac's models offline, on a file, with no server, database or queue.
@main
struct Almanac: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "almanac",
        abstract: "Forecast, backtest and detect anomalies on CSV files with Almanac's models, offline.",
        subcommands: [ForecastCommand.self, BacktestCommand.self, DetectCommand.self])
}

/// A sales file as the upload takes it (`Date,product_id,category,sales`, comma, semicolon or tab separated):
/// daily totals per category, missing days as 0, as the forecast worker sees them.
struct SalesFile {
    var categories: [(name: String, startDay: Int32, values: [Double])]

    static func read(_ path: String) throws -> SalesFile {
        var reader = try CSVReader(path: path, separator: .sniff)
        var header: SalesHeader?
        var totals: [String: [Int32: Double]] = [:]
        var problem: String?
        try reader.forEachRecord { record in
            if problem != nil || record.isBlank { return }
            guard let h = header else {
                do { header = try SalesHeader.resolve(record) } catch { problem = "\(path): \(error)" }
                return
            }
            guard record.count >= h.minimumFieldCount else {
                problem = "\(path) line \(record.line): \(record.count) fields, the header has \(h.columnCount)"
                return
            }
            guard let day = parseDate(record[h.date]) else {
                problem = "\(path) line \(record.line): bad date \"\(record.string(h.date).prefix(40))\" (YYYY-MM-DD)"
                return
            }
            let sales: Double
            switch parseSales(record[h.sales]) {
            case .value(let v): sales = v
            case .missing: sales = 0
            case .invalid:
                problem = "\(path) line \(record.line): bad sales figure \"\(record.string(h.sales).prefix(40))\""
                return
            }
            totals[record.string(h.category), default: [:]][day, default: 0] += sales
        }
        if let problem { throw ValidationError(problem) }
        guard header != nil else { throw ValidationError("\(path) is empty: it needs a header Date,product_id,category,sales") }
        let categories = totals.keys.sorted().map { name -> (String, Int32, [Double]) in
            let days = totals[name]!.keys.sorted()
            let filled = ForecastEngine.dailyFilled(CategorySeries(days: days, totals: days.map { totals[name]![$0]! }, fingerprint: ""))
            return (name, filled.startDay, filled.values)
        }
        return SalesFile(categories: categories)
    }
}

/// One line of progress on standard error, redrawn in place when it is a terminal.
struct Progress {
    let total: Int
    let label: String
    let interactive = isatty(2) != 0

    func show(_ done: Int, _ what: String) {
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\(label) [\(bar)] \(done)/\(total) \(what.prefix(40))"
        FileHandle.standardError.write(Data((interactive ? "\r\u{1B}[K" + line : line + "\n").utf8))
        if interactive && done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Writes to a file, or standard output for `-`.
struct Output {
    let handle: FileHandle
    init(_ path: String) throws {
        if path == "-" {
            handle = .standardOutput
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw ValidationError("cannot write \(path)") }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        }
    }
    func line(_ fields: [String]) {
        handle.write(Data((fields.map(Self.quoted).joined(separator: ",") + "\n").utf8))
    }
    static func quoted(_ field: String) -> String {
        field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }
}

func number(_ v: Double) -> String { v.isFinite ? String(format: "%.4f", v) : "" }

struct ModelOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: "holt_winters, sarimax, prophet, theta, auto or all (comma-separated).")
    var models = "auto"
    @Option(help: "Days to forecast.") var horizon = 30
    @Option(help: "Season length in days.") var period = 7
    @Option(help: "Rolling-origin backtest windows (they also calibrate the intervals).") var windows = 3

    func chosen() throws -> [ModelType] {
        if models == "all" { return ModelType.allCases }
        return try models.split(separator: ",").map { name in
            guard let m = ModelType(rawValue: String(name)) else {
                throw ValidationError("unknown model \"\(name)\": use \(ModelType.allCases.map(\.rawValue).joined(separator: ", ")) or all")
            }
            return m
        }
    }

    func validate() throws {
        guard (1...3660).contains(horizon) else { throw ValidationError("--horizon must be between 1 and 3660") }
        guard (1...366).contains(period) else { throw ValidationError("--period must be between 1 and 366") }
        guard (0...20).contains(windows) else { throw ValidationError("--windows must be between 0 and 20") }
        _ = try chosen()
    }
}

struct ForecastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast", abstract: "Forecast every category of a sales CSV (Date,product_id,category,sales).")

    @Argument(help: "The sales file.") var file: String
    @OptionGroup var options: ModelOptions
    @Option(help: "Interval levels in percent (comma-separated).") var level = "80,95"
    @Option(name: .shortAndLong, help: "Where to write the forecast CSV (- for standard output).") var output = "-"

    func run() async throws {
        let levels = try level.split(separator: ",").map { part -> Double in
            guard let v = Double(part), v > 0, v < 100 else { throw ValidationError("--level: \(part) is not a level strictly between 0 and 100") }
            return v
        }
        let models = try options.chosen()
        let sales = try SalesFile.read(file)
        let out = try Output(output)
        let labels = levels.map { $0 == $0.rounded() ? String(Int($0)) : String($0) }
        out.line(["forecast_date", "category", "model_type", "forecast_value"] + labels.flatMap { ["lower_\($0)", "upper_\($0)"] })
        let progress = Progress(total: sales.categories.count, label: "forecast")
        var engine = ForecastEngine.Options(horizon: options.horizon, period: options.period, levels: levels, backtestWindows: options.windows)
        engine.levels = levels
        for (i, c) in sales.categories.enumerated() {
            progress.show(i, c.name)
            let runs = try await ForecastEngine.run(values: c.values, startDay: c.startDay, models: models, options: engine)
            let lastDay = c.startDay + Int32(c.values.count - 1)
            for run in runs {
                guard let f = run.forecast else {
                    FileHandle.standardError.write(Data("\(c.name): \(run.model.rawValue) failed: \(run.error ?? "no forecast")\n".utf8))
                    continue
                }
                for h in f.mean.indices {
                    var row = [formatDate(lastDay + 1 + Int32(h)), c.name, run.model.rawValue, number(f.mean[h])]
                    for l in levels {
                        let interval = f.interval(level: l)
                        row += [interval.map { number($0.lower[h]) } ?? "", interval.map { number($0.upper[h]) } ?? ""]
                    }
                    out.line(row)
                }
            }
        }
        progress.show(sales.categories.count, "done")
    }
}

struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest", abstract: "Rolling-origin backtest of each model on every category of a sales CSV.")

    @Argument(help: "The sales file.") var file: String
    @OptionGroup var options: ModelOptions
    @Option(name: .shortAndLong, help: "Where to write the table (- for standard output).") var output = "-"

    func run() async throws {
        var models = try options.chosen()
        if options.models == "auto" { models = ModelType.allCases }
        let sales = try SalesFile.read(file)
        let out = try Output(output)
        out.line(["category", "model_type", "form", "windows", "smape", "mase", "coverage_80", "coverage_95"])
        let progress = Progress(total: sales.categories.count, label: "backtest")
        let engine = ForecastEngine.Options(horizon: options.horizon, period: options.period, backtestWindows: max(1, options.windows))
        for (i, c) in sales.categories.enumerated() {
            progress.show(i, c.name)
            for run in try await ForecastEngine.run(values: c.values, startDay: c.startDay, models: models, options: engine) {
                let b = run.backtest
                out.line([
                    c.name, run.model.rawValue, run.summary?.form ?? (run.error ?? ""), String(b?.windows ?? 0),
                    b.map { number($0.smape) } ?? "", b.map { number($0.mase) } ?? "",
                    b.map { number($0.coverage80) } ?? "", b.map { number($0.coverage95) } ?? "",
                ])
            }
        }
        progress.show(sales.categories.count, "done")
    }
}

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Fit an anomaly baseline on a timestamp,value CSV and flag each point (seed 004's model).")

    @Argument(help: "CSV with a header and timestamp and value columns (Unix seconds).") var file: String
    @Option(help: "standard, robust or seasonal.") var variant = "standard"
    @Option(help: "Thresholds at k scales from the centre.") var k = 3.0
    @Option(help: "Fit on the first N points only and flag all of them (default: fit on all).") var train: Int?
    @Option(name: .shortAndLong, help: "Where to write the flagged points (- for standard output).") var output = "-"

    func run() throws {
        guard let variant = AnomalyBaseline.Variant(rawValue: variant) else {
            throw ValidationError("--variant must be one of \(AnomalyBaseline.Variant.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var reader = try CSVReader(path: file, separator: .sniff)
        var columns: (Int, Int)?
        var stamps: [Double] = [], values: [Double] = []
        var problem: String?
        try reader.forEachRecord { record in
            if problem != nil || record.isBlank { return }
            guard let (t, v) = columns else {
                let names = record.strings().map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard let t = names.firstIndex(of: "timestamp"), let v = names.firstIndex(of: "value") else {
                    problem = "\(file): the header needs timestamp and value columns (got \(names.prefix(10).joined(separator: ", ")))"
                    return
                }
                columns = (t, v)
                return
            }
            guard record.count > max(t, v), let ts = Double(record.string(t).trimmingCharacters(in: .whitespaces)),
                  let value = Double(record.string(v).trimmingCharacters(in: .whitespaces)), ts.isFinite, value.isFinite
            else {
                problem = "\(file) line \(record.line): timestamp and value must be finite numbers"
                return
            }
            stamps.append(ts)
            values.append(value)
        }
        if let problem { throw ValidationError(problem) }
        let n = min(train ?? values.count, values.count)
        let baseline = try AnomalyBaseline.fit(timestamps: Array(stamps[..<n]), values: Array(values[..<n]), variant: variant, k: k)
        let out = try Output(output)
        out.line(["timestamp", "value", "anomaly", "score", "lower", "upper"])
        var flagged = 0
        for (t, v) in zip(stamps, values) {
            let verdict = baseline.evaluate(timestamp: t, value: v)
            if verdict.isAnomaly { flagged += 1 }
            out.line([String(t), String(v), String(verdict.isAnomaly), number(verdict.score), number(verdict.lower), number(verdict.upper)])
        }
        FileHandle.standardError.write(Data("detect: \(flagged) of \(values.count) points anomalous (fitted on \(n))\n".utf8))
    }
}
