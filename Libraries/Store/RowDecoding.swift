public import Postgres
public import SQLite

/// A result row of either store, read by column index. The two stores select their records' columns in the
/// same order (each in its own dialect: casts, timestamp formatting), so each record is decoded once, here,
/// instead of once per store (issue 18's step towards one repository over a dialect).
public protocol StoreRow {
    func string(_ i: Int) throws -> String
    func optionalString(_ i: Int) throws -> String?
    func double(_ i: Int) throws -> Double
    func optionalDouble(_ i: Int) throws -> Double?
    func optionalInt(_ i: Int) throws -> Int?
    func int(_ i: Int) throws -> Int
    func int64(_ i: Int) throws -> Int64
    func bool(_ i: Int) throws -> Bool
}

extension SQLiteRow: StoreRow {
    public func string(_ i: Int) throws -> String { try decode(String.self, at: i) }
    public func optionalString(_ i: Int) throws -> String? { try decode(String?.self, at: i) }
    public func double(_ i: Int) throws -> Double { try decode(Double.self, at: i) }
    public func optionalDouble(_ i: Int) throws -> Double? { try decode(Double?.self, at: i) }
    public func int(_ i: Int) throws -> Int { try decode(Int.self, at: i) }
    public func optionalInt(_ i: Int) throws -> Int? { try decode(Int?.self, at: i) }
    public func int64(_ i: Int) throws -> Int64 { try decode(Int64.self, at: i) }
    public func bool(_ i: Int) throws -> Bool { try decode(Bool.self, at: i) }
}

extension PostgresRow: StoreRow {
    public func string(_ i: Int) throws -> String { try decode(String.self, at: i) }
    public func optionalString(_ i: Int) throws -> String? { try decode(String?.self, at: i) }
    public func double(_ i: Int) throws -> Double { try decode(Double.self, at: i) }
    public func optionalDouble(_ i: Int) throws -> Double? { try decode(Double?.self, at: i) }
    public func int(_ i: Int) throws -> Int { try decode(Int.self, at: i) }
    public func optionalInt(_ i: Int) throws -> Int? { try decode(Int?.self, at: i) }
    public func int64(_ i: Int) throws -> Int64 { try decode(Int64.self, at: i) }
    public func bool(_ i: Int) throws -> Bool { try decode(Bool.self, at: i) }
}

extension JobRecord {
    /// Columns: `SQLRepository.jobColumns`.
    init(row r: some StoreRow) throws {
        self.init(
            id: try r.string(0), type: try r.string(1), queue: try r.string(2), status: JobStatus(rawValue: try r.string(3)) ?? .failed,
            progress: try r.double(4), attempts: try r.int(5), payload: try r.string(6), result: try r.optionalString(7),
            error: try r.optionalString(8), requestID: try r.optionalString(9), createdAt: try r.string(10), updatedAt: try r.string(11),
            startedAt: try r.optionalString(12), finishedAt: try r.optionalString(13))
    }
}

extension ForecastRow {
    /// Columns: id, forecast_date, category, model_type, forecast_value, lower_bound, upper_bound, created_at,
    /// batch_num, lower_80, upper_80.
    init(row r: some StoreRow) throws {
        self.init(
            id: try r.int64(0), forecastDate: try r.string(1), category: try r.string(2), modelType: try r.string(3),
            forecastValue: try r.double(4), lowerBound: try r.optionalDouble(5), upperBound: try r.optionalDouble(6),
            createdAt: try r.string(7), batchNum: try r.optionalString(8), lower80: try r.optionalDouble(9), upper80: try r.optionalDouble(10))
    }
}

extension AccuracyRecord {
    /// Columns: category, model_type, smape, mase, coverage_80, coverage_95, windows, is_best, form, error, fitted_at.
    init(row r: some StoreRow) throws {
        self.init(
            category: try r.string(0), modelType: try r.string(1), smape: try r.optionalDouble(2), mase: try r.optionalDouble(3),
            coverage80: try r.optionalDouble(4), coverage95: try r.optionalDouble(5), windows: try r.int(6), isBest: try r.bool(7),
            form: try r.optionalString(8), error: try r.optionalString(9), fittedAt: try r.string(10))
    }
}

extension ProductForecastRow {
    /// Columns: forecast_date, category, product_id, forecast_value, lower_80, upper_80, lower_bound, upper_bound,
    /// reconciliation, base, created_at, batch_num.
    init(row r: some StoreRow) throws {
        self.init(
            forecastDate: try r.string(0), category: try r.string(1), productID: try r.string(2), forecastValue: try r.double(3),
            lower80: try r.optionalDouble(4), upper80: try r.optionalDouble(5), lowerBound: try r.optionalDouble(6),
            upperBound: try r.optionalDouble(7), reconciliation: try r.string(8), base: try r.string(9), createdAt: try r.string(10),
            batchNum: try r.optionalString(11))
    }
}

extension UploadRecord {
    /// Columns: `SQLRepository.uploadColumns`.
    init(row r: some StoreRow) throws {
        self.init(
            batchNum: try r.string(0), originalFilename: try r.string(1), storedFilename: try r.string(2), fileHash: try r.string(3),
            uploadedAt: try r.string(4), numTotalRows: try r.int(5), numMissingRows: try r.int(6), numImputedRows: try r.int(7),
            numInsertedRows: try r.int(8), numUpdatedRows: try r.int(9), status: BatchStatus(rawValue: try r.string(10)) ?? .failed,
            errorLog: try r.optionalString(11), uploadSeq: try r.int64(12), numUnchangedRows: try r.int(13),
            numRejectedRows: try r.int(14), numRepeatedRows: try r.int(15), onError: OnError(rawValue: try r.string(16)) ?? .fail,
            processedAt: try r.optionalString(17))
    }
}
