public import Hummingbird
import Store

/// Strict readers for query parameters: a malformed value is a 400 naming the parameter.
public struct QueryParams {
    let request: Request

    public init(_ request: Request) { self.request = request }

    public func string(_ name: String, maxLength: Int = 200) throws -> String? {
        guard let v = request.uri.queryParameters.get(name) else { return nil }
        if v.isEmpty { return nil }
        guard v.count <= maxLength else { throw APIError.badRequest("\(name) is longer than \(maxLength) characters") }
        return v
    }

    public func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = try string(name, maxLength: 32) else { return value }
        guard let v = Int(raw) else { throw APIError.badRequest("\(name) must be an integer (got \"\(raw)\")") }
        guard range.contains(v) else { throw APIError.badRequest("\(name) must be between \(range.lowerBound) and \(range.upperBound) (got \(v))") }
        return v
    }

    /// A `YYYY-MM-DD` date with calendar validation.
    public func date(_ name: String) throws -> String? {
        guard let raw = try string(name, maxLength: 32) else { return nil }
        guard DayNumber.parse(raw) != nil else { throw APIError.badRequest("\(name) must be a valid date YYYY-MM-DD (got \"\(raw)\")") }
        return raw
    }

    public func dateRange(start: String = "start_date", end: String = "end_date") throws -> (String?, String?) {
        let s = try date(start), e = try date(end)
        if let s, let e, s > e { throw APIError.badRequest("\(start) is after \(end)") }
        return (s, e)
    }
}
