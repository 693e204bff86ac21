import Foundation
import Hummingbird

/// Path parameters (`{series_id}`, `{id}`, …), percent-decoded: Hummingbird 2 matches routes on the raw
/// path and hands parameters over as sent (2.28.1: `RouterResponder` resolves `request.uri.path`, and
/// `Parameters.get` returns the segment unchanged), so `/fit/a%3Ab` would reach the route as `a%3Ab`. Should
/// a later Hummingbird decode them itself, this would decode twice. Decoding after routing keeps an encoded
/// slash (`%2F`) inside its segment. A malformed escape (`%zz`, or bytes that are not UTF-8) or a control
/// character after decoding (a NUL would reach PostgreSQL) is a 400 naming the parameter.
public struct PathParams {
    let context: AlmanacContext

    public init(_ context: AlmanacContext) { self.context = context }

    /// The decoded value of `name`; "" when the route has no such parameter.
    public func string(_ name: String) throws -> String {
        let raw = context.parameters.get(name) ?? ""
        guard let decoded = raw.removingPercentEncoding else {
            throw APIError.badRequest("\(name) is not valid percent-encoding (got \"\(raw.prefix(100))\")")
        }
        guard !decoded.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.badRequest("\(name) must not contain control characters")
        }
        return decoded
    }
}
