public import Hummingbird
import Store

/// Strict readers for query parameters: a malformed value is a 400 naming the parameter.
///
/// The query is decoded here rather than by `URI.queryParameters`, which leaves keys encoded, reads `+` as a
/// plus and passes a broken `%` escape through raw. HTML forms and Python's `requests` send a space as `+`, so
/// a category such as `Home Goods` sent as `category=Home+Goods` must match; `%2B` is a plus. The first
/// occurrence of a name wins, as in Flask's `request.args.get`.
public struct QueryParams: Sendable {
    let pairs: [(name: String, value: String)]

    /// Decodes the request's query; a name or value whose `%` escape is broken or not UTF-8 is a 400 naming it.
    public init(_ request: Request) throws {
        self.pairs = try Self.decode(request.uri.query ?? "")
    }

    /// As `init(_:)`, and a name outside `allowed` is a 400 that names it and lists the route's parameters
    /// (seed 003's clients rely on a misspelt filter failing rather than silently returning every row).
    public init(_ request: Request, allowed: [String]) throws {
        try self.init(request)
        for (name, _) in pairs where !allowed.contains(name) {
            let listed = allowed.isEmpty ? "none" : allowed.joined(separator: ", ")
            throw APIError.badRequest("unknown query parameter \"\(name.prefix(60))\"; this route takes: \(listed)")
        }
    }

    static func decode(_ query: String) throws -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let (rawName, rawValue): (Substring, Substring)
            if let eq = part.firstIndex(of: "=") {
                (rawName, rawValue) = (part[..<eq], part[part.index(after: eq)...])
            } else {
                (rawName, rawValue) = (part, "")
            }
            guard let name = formDecode(rawName) else {
                throw APIError.badRequest("a query parameter name has a broken percent escape (\"\(rawName.prefix(40))\")")
            }
            guard let value = formDecode(rawValue) else {
                throw APIError.badRequest("\(name.prefix(60)) has a broken percent escape or is not UTF-8 (got \"\(rawValue.prefix(40))\")")
            }
            pairs.append((name, value))
        }
        return pairs
    }

    /// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte; nil for a broken escape or
    /// bytes that are not UTF-8.
    static func formDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var it = text.utf8.makeIterator()
        while let b = it.next() {
            switch b {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let h = it.next().flatMap(hexValue), let l = it.next().flatMap(hexValue) else { return nil }
                bytes.append(h << 4 | l)
            default: bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The first value given for `name`, as sent (empty when sent empty); nil when absent.
    public func raw(_ name: String) -> String? { pairs.first { $0.name == name }?.value }

    public func string(_ name: String, maxLength: Int = 200) throws -> String? {
        guard let v = raw(name) else { return nil }
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
