/// When a schedule prediction is too uncertain to show: the seed API's "NA".
///
/// A predicted start or end is NA when
/// - the entity's weekday occurrence rate for the target date's weekday is below `minWeekdayRate` (the entity
///   rarely or never works that weekday, so any time predicted for it is a guess) — this makes both NA; or
/// - the *spread* of that forest's trees exceeds `maxSpreadMinutes`, the spread being the population standard
///   deviation of the per-tree predictions in minutes — this makes only that side NA.
public struct ScheduleReliability: Sendable, Codable, Equatable {
    /// Lowest weekday occurrence rate (0…1) that still gets a prediction. Default 0.2.
    public var minWeekdayRate: Double
    /// Largest standard deviation of the trees' predictions, in minutes, that still gets a prediction. Default 90.
    public var maxSpreadMinutes: Double

    public init(minWeekdayRate: Double = 0.2, maxSpreadMinutes: Double = 90) {
        self.minWeekdayRate = minWeekdayRate
        self.maxSpreadMinutes = maxSpreadMinutes
    }
}

/// Why a side of a prediction is NA.
public enum UnreliableReason: String, Sendable, Codable, Equatable {
    /// The weekday occurrence rate is below `minWeekdayRate`.
    case rareWeekday
    /// The start forest's spread is above `maxSpreadMinutes`.
    case startSpread
    /// The end forest's spread is above `maxSpreadMinutes`.
    case endSpread
}

/// A predicted start and end for one entity on one date.
public struct SchedulePrediction: Sendable, Codable, Equatable {
    public var entity: String
    public var date: CivilDate
    /// Predicted start, minutes since midnight rounded to the minute (0…1439), nil when NA.
    public var start: Int?
    /// Predicted end, minutes since midnight rounded to the minute and taken modulo 1440 (so a shift ending
    /// after midnight reads as the next day's clock time), nil when NA.
    public var end: Int?
    /// The start forest's raw prediction in minutes, before rounding and the NA rule.
    public var rawStart: Double
    /// The end forest's raw prediction on the start's clock (may exceed 1440), before rounding and the NA rule.
    public var rawEnd: Double
    /// Standard deviation of the start trees' predictions, minutes.
    public var startSpread: Double
    /// Standard deviation of the end trees' predictions, minutes.
    public var endSpread: Double
    /// The entity's weekday occurrence rate for this date's weekday.
    public var weekdayRate: Double
    /// Why any side is NA; empty when both are predicted.
    public var reasons: [UnreliableReason]

    /// `HH:MM` or `NA`.
    public var startText: String { start.map { ClockTime.format(minutes: $0) } ?? "NA" }
    /// `HH:MM` or `NA`.
    public var endText: String { end.map { ClockTime.format(minutes: $0) } ?? "NA" }
}

/// Work-schedule prediction (seed 000): two random forests, one for start and one for end minutes, over
/// calendar features and per-entity habits (`ScheduleFeatures`), with an NA rule (`ScheduleReliability`).
///
/// **Shifts past midnight**: a record whose end is before its start ends on the next day; the end forest trains
/// on `end + 1440`, and predicted ends are reported modulo 1440.
///
/// The model is `Codable` (forests as flat arrays) so a trained model can be stored and reloaded.
public struct ScheduleModel: Sendable, Codable {
    public struct Parameters: Sendable, Codable, Equatable {
        /// Settings of both forests. Default: the seed's `RandomForestRegressor(n_estimators=100, max_depth=10,
        /// random_state=42)` — 100 trees, depth 10, all features, seed 42.
        public var forest: RandomForestParameters
        /// The NA rule used by `predict` unless a call passes its own.
        public var reliability: ScheduleReliability

        public init(
            forest: RandomForestParameters = .init(treeCount: 100, maxDepth: 10, seed: 42),
            reliability: ScheduleReliability = .init()
        ) {
            self.forest = forest
            self.reliability = reliability
        }
    }

    public private(set) var parameters: Parameters
    /// Per-entity habits measured on the training records, keyed by entity.
    public private(set) var profiles: [String: EntityProfile]
    public private(set) var startForest: RandomForest
    public private(set) var endForest: RandomForest
    /// Number of training records.
    public private(set) var recordCount: Int

    /// Trains both forests on `records`. Throws `ModelError` when there are no records or a time is outside
    /// 0…1439.
    public static func fit(records: [ScheduleRecord], parameters: Parameters = .init()) throws -> ScheduleModel {
        guard !records.isEmpty else { throw ModelError("schedule: no records to train on") }
        for (i, r) in records.enumerated() {
            guard (0..<1440).contains(r.start), (0..<1440).contains(r.end) else {
                throw ModelError("schedule: record \(i) (\(r.entity) \(r.date)) has a time outside 00:00–23:59")
            }
        }
        guard parameters.reliability.minWeekdayRate.isFinite, parameters.reliability.maxSpreadMinutes.isFinite else {
            throw ModelError("schedule: reliability thresholds must be finite")
        }
        let profiles = ScheduleFeatures.profiles(of: records)
        let rows = records.map { ScheduleFeatures.row(profile: profiles[$0.entity]!, date: $0.date) }
        let startForest = try RandomForest.fit(
            features: rows, targets: records.map { Double($0.start) }, parameters: parameters.forest)
        let endForest = try RandomForest.fit(
            features: rows, targets: records.map { Double($0.continuousEnd) }, parameters: parameters.forest)
        return ScheduleModel(
            parameters: parameters, profiles: profiles, startForest: startForest, endForest: endForest,
            recordCount: records.count)
    }

    /// Entities known to the model, sorted by code.
    public var entities: [String] { profiles.sorted { $0.value.code < $1.value.code }.map(\.key) }

    /// The feature row for an entity on a date, nil for an entity the model was not trained on.
    public func features(entity: String, date: CivilDate) -> [Double]? {
        profiles[entity].map { ScheduleFeatures.row(profile: $0, date: date) }
    }

    /// Predicts an entity's start and end on a date, applying `reliability` (the model's own rule by default).
    /// Throws `ModelError` for an entity the model was not trained on.
    public func predict(entity: String, date: CivilDate, reliability: ScheduleReliability? = nil) throws
        -> SchedulePrediction
    {
        guard let profile = profiles[entity] else { throw ModelError("schedule: unknown entity \"\(entity)\"") }
        let rule = reliability ?? parameters.reliability
        let row = ScheduleFeatures.row(profile: profile, date: date)
        let start = startForest.predictionSummary(row)
        let end = endForest.predictionSummary(row)
        let rate = profile.rate(on: date.weekday)

        var reasons: [UnreliableReason] = []
        if rate < rule.minWeekdayRate { reasons.append(.rareWeekday) }
        if start.standardDeviation > rule.maxSpreadMinutes { reasons.append(.startSpread) }
        if end.standardDeviation > rule.maxSpreadMinutes { reasons.append(.endSpread) }
        let rare = reasons.contains(.rareWeekday)
        let startMinutes = Int(start.mean.rounded())
        let endMinutes = Int(end.mean.rounded())
        return SchedulePrediction(
            entity: entity, date: date,
            start: rare || reasons.contains(.startSpread) ? nil : ((startMinutes % 1440) + 1440) % 1440,
            end: rare || reasons.contains(.endSpread) ? nil : ((endMinutes % 1440) + 1440) % 1440,
            rawStart: start.mean, rawEnd: end.mean, startSpread: start.standardDeviation,
            endSpread: end.standardDeviation, weekdayRate: rate, reasons: reasons)
    }
}
