import Config
import Foundation
import Logging
import Store

/// Data retention: raw upload files older than `RETENTION_UPLOAD_DAYS` (by modification time; the upload's
/// metadata stays) and forecasts computed more than `RETENTION_FORECAST_DAYS` ago, with their backtest accuracy
/// (by when they were fitted, not by the days they forecast: a fit of last year's history forecasts days that are
/// already past, and is as current as any). A policy of 0 days keeps everything. Files of uploads still waiting
/// for or in ETL are never removed. Model versions beyond the newest `RETENTION_MODEL_VERSIONS` of each series or
/// session are deleted (the latest always stays).
public struct RetentionReport: Codable, Sendable, Equatable {
    public var dryRun: Bool
    public var uploadDays: Int
    public var forecastDays: Int
    public var uploadFilesDeleted: [String]
    public var uploadBytesFreed: Int
    /// Forecasts computed before this instant (ISO 8601, UTC) expire.
    public var forecastsCutoff: String?
    public var forecastsDeleted: Int
    public var accuracyRowsDeleted: Int = 0
    public var modelVersionsKept: Int = 0
    public var modelVersionsDeleted: Int = 0

    enum CodingKeys: String, CodingKey {
        case dryRun = "dry_run", uploadDays = "upload_days", forecastDays = "forecast_days"
        case uploadFilesDeleted = "upload_files_deleted", uploadBytesFreed = "upload_bytes_freed"
        case forecastsCutoff = "forecasts_cutoff", forecastsDeleted = "forecasts_deleted", accuracyRowsDeleted = "accuracy_rows_deleted"
        case modelVersionsKept = "model_versions_kept", modelVersionsDeleted = "model_versions_deleted"
    }
}

public enum Retention {
    /// Applies (or with `dryRun`, only measures) the policies as of `now`.
    public static func run(runtime: AlmanacRuntime, now: Date = Date(), dryRun: Bool) async throws -> RetentionReport {
        let config = runtime.config
        var report = RetentionReport(
            dryRun: dryRun, uploadDays: config.retentionUploadDays, forecastDays: config.retentionForecastDays,
            uploadFilesDeleted: [], uploadBytesFreed: 0, forecastsCutoff: nil, forecastsDeleted: 0)
        if config.retentionUploadDays > 0 {
            let cutoff = now.addingTimeInterval(-Double(config.retentionUploadDays) * 86400)
            let pending = try await pendingFiles(runtime.store)
            let fm = FileManager.default
            let names = (try? fm.contentsOfDirectory(atPath: config.uploadDirectory)) ?? []
            for name in names.sorted() where !pending.contains(name) {
                let path = config.uploadDirectory + "/" + name
                guard let attributes = try? fm.attributesOfItem(atPath: path),
                      attributes[.type] as? FileAttributeType == .typeRegular,
                      let modified = attributes[.modificationDate] as? Date, modified < cutoff else { continue }
                let size = (attributes[.size] as? Int) ?? (attributes[.size] as? UInt64).map { Int($0) } ?? 0
                if !dryRun { try fm.removeItem(atPath: path) }
                report.uploadFilesDeleted.append(name)
                report.uploadBytesFreed += size
            }
        }
        if config.retentionForecastDays > 0 {
            let cutoff = now.addingTimeInterval(-Double(config.retentionForecastDays) * 86400)
            report.forecastsCutoff = cutoff.formatted(.iso8601)
            let deleted = try await runtime.store.deleteForecasts(computedBefore: cutoff, dryRun: dryRun)
            report.forecastsDeleted = deleted.forecasts
            report.accuracyRowsDeleted = deleted.accuracyRows
        }
        if let models = runtime.store as? any ModelStore {
            report.modelVersionsKept = config.retentionModelVersions
            report.modelVersionsDeleted = try await models.deleteOldModelVersions(keep: config.retentionModelVersions, dryRun: dryRun)
        }
        if !dryRun && (!report.uploadFilesDeleted.isEmpty || report.forecastsDeleted > 0 || report.accuracyRowsDeleted > 0
                       || report.modelVersionsDeleted > 0) {
            runtime.logger.notice("retention applied", metadata: [
                "upload_files_deleted": "\(report.uploadFilesDeleted.count)", "forecasts_deleted": "\(report.forecastsDeleted)",
                "accuracy_rows_deleted": "\(report.accuracyRowsDeleted)",
                "model_versions_deleted": "\(report.modelVersionsDeleted)",
            ])
        }
        return report
    }

    /// Stored file names of uploads whose ETL has not finished.
    static func pendingFiles(_ store: any Store) async throws -> Set<String> {
        var out: Set<String> = []
        var offset = 0
        while true {
            let page = try await store.uploads(limit: 1000, offset: offset)
            for u in page where u.status == .uploaded || u.status == .processing { out.insert(u.storedFilename) }
            if page.count < 1000 { return out }
            offset += 1000
        }
    }
}
