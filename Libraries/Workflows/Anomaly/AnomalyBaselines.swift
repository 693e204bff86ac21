import Foundation
import Models
import Store

/// Seed 004's anomaly use case without HTTP: a series' baseline fitted on train-worker as a new immutable version,
/// its versions read back through the cache, and a point judged against one. The routes decode the request's shape
/// (FastAPI's 422s); the rules of a fit's parameters and the look-ups are here.
public struct AnomalyBaselines: Sendable {
    public let fits: ModelFits
    public let cache: ModelCache<AnomalyBaseline>

    public init(fits: ModelFits, cache: ModelCache<AnomalyBaseline>) {
        self.fits = fits
        self.cache = cache
    }

    /// A fit's parameters, checked: `.invalid` naming the parameter and its range.
    public static func checkParameters(variant: String, k: Double, tail: String, period: Int?, points: Int) throws {
        guard AnomalyBaseline.Variant(rawValue: variant) != nil else {
            throw WorkflowError.invalid("variant must be one of standard, robust, seasonal (got \"\(variant.prefix(20))\")")
        }
        guard k.isFinite, k > 0, k <= 100 else { throw WorkflowError.invalid("k must be a number above 0 and at most 100 (got \(k))") }
        guard AnomalyBaseline.Tail(rawValue: tail) != nil else {
            throw WorkflowError.invalid("tail must be one of both, upper, lower (got \"\(tail.prefix(10))\")")
        }
        if let period, period < 2 || period > points / 2 {
            throw WorkflowError.invalid("period must be between 2 and half the number of points (\(points / 2)), got \(period)")
        }
    }

    /// Fits a new version of `payload`'s series on train-worker after checking its parameters; the version written.
    public func fit(_ payload: AnomalyFitPayload, requestID: String) async throws -> ModelVersionRecord {
        try Self.checkParameters(
            variant: payload.variant, k: payload.k, tail: payload.tail, period: payload.period, points: payload.values.count)
        return try await fits.fit(payload, requestID: requestID)
    }

    /// The baseline of a series at a version (the latest when nil), through the cache; `.notFound` when there is none.
    public func baseline(seriesID: String, version: Int?) async throws -> (model: AnomalyBaseline, version: Int) {
        let models = try fits.models
        let number: Int
        if let version {
            number = version
        } else {
            guard let latest = try await models.latestModelVersion(kind: .anomaly, subject: seriesID) else {
                throw WorkflowError.notFound("no model for series \"\(seriesID)\": fit it first with POST /fit/\(seriesID)")
            }
            number = latest
        }
        let loaded = try await cache.value("anomaly/\(seriesID)/\(number)") {
            guard let record = try await models.modelVersion(kind: .anomaly, subject: seriesID, version: number) else { return nil }
            return try JSONDecoder().decode(AnomalyBaseline.self, from: Data(record.model.utf8))
        }
        guard let loaded else { throw WorkflowError.notFound("series \"\(seriesID)\" has no version v\(number)") }
        return (loaded, number)
    }

    /// Judges one point against a series' baseline; the verdict and the version it used.
    public func evaluate(seriesID: String, version: Int?, timestamp: Double, value: Double) async throws -> (verdict: AnomalyVerdict, version: Int) {
        let (model, number) = try await baseline(seriesID: seriesID, version: version)
        return (model.evaluate(timestamp: timestamp, value: value), number)
    }
}
