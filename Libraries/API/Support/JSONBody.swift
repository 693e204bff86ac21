import Foundation
import Hummingbird
import Workflows

/// JSON request bodies, decoded with errors that name the field and what it must be ("missing field series",
/// "series[3].value must be a number") instead of the decoder's own text.
enum JSONBody {
    /// The body of a JSON request, at most the route's size; a 415 without `Content-Type: application/json`.
    static func data(_ request: Request, _ context: AlmanacContext) async throws -> Data {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") ?? false else {
            throw APIError(.unsupportedMediaType, "expected Content-Type: application/json")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return Data(buffer.readableBytesView)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: AlmanacContext) async throws -> T {
        try decode(type, from: try await data(request, context))
    }

    /// Decodes `data`; a 400 naming the problem when it does not fit `T`. A DTO's decoder may throw its own
    /// `APIError` for a rule the types cannot say ("id must be a string or an integer").
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest(describe(error, body: data))
        }
    }

    /// The problem a decoding error stands for, naming the field (`DecodingProblem`). With `body`, an error the
    /// decoder reports without a place is checked against the text: valid JSON there means a number that its field
    /// cannot hold (on Linux the decoder calls 2.5 for an integer "not valid JSON", without the key).
    static func describe(_ error: any Error, body: Data? = nil) -> String {
        guard let error = error as? DecodingError else { return "request body is not valid JSON" }
        if case .dataCorrupted(let c) = error, c.codingPath.isEmpty, let body,
           (try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])) != nil {
            return "request body is valid JSON but holds a number its field cannot take (a fraction, or out of range, where a whole number is expected)"
        }
        return DecodingProblem.describe(error)
    }
}

/// A JSON number a field takes as a whole number. It is decoded as a `Double` so that 2.5 or 1e30 reach the
/// route's check, which names the field and the range; decoded as an `Int`, the decoder reports them as
/// "not valid JSON", without the key.
struct WholeNumber: Decodable, Sendable {
    var value: Double

    init(_ value: Double) { self.value = value }

    init(from decoder: any Decoder) throws {
        guard let value = try? decoder.singleValueContainer().decode(Double.self) else {
            throw DecodingError.typeMismatch(Int.self, .init(codingPath: decoder.codingPath, debugDescription: "not a number"))
        }
        self.value = value
    }

    /// The value when it is a whole number in `range`; else a 400 "`field` must be a whole number between …".
    func checked(_ field: String, in range: ClosedRange<Int>) throws -> Int {
        guard value.isFinite, value == value.rounded(), value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw APIError.badRequest("\(field) must be a whole number between \(range.lowerBound) and \(range.upperBound) (got \(Self.shown(value)))")
        }
        return Int(value)
    }

    /// The value when it is a whole number an `Int` holds; else a 400 "`field` must be a whole number".
    func whole(_ field: String) throws -> Int {
        guard value.isFinite, value == value.rounded(), abs(value) < 1e15 else {
            throw APIError.badRequest("\(field) must be a whole number (got \(Self.shown(value)))")
        }
        return Int(value)
    }

    /// 3 for 3.0, 2.5 for 2.5, 1e+30 for 1e30.
    static func shown(_ value: Double) -> String {
        value.isFinite && value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}
