public import Jobs
public import Store

extension JobPayload {
    /// The payload a worker's message carries. One that does not decode can never succeed, so it fails the job
    /// for good (`JobFailure.permanent`) with the job type and the field at fault.
    public static func decode(_ message: JobMessage) throws -> Self {
        do {
            return try decode(payload: message.payload)
        } catch let error as DecodingError {
            throw JobFailure.permanent("\(type) job payload does not fit: \(DecodingProblem.describe(error))")
        } catch {
            throw JobFailure.permanent("\(type) job payload is not valid JSON")
        }
    }
}

/// A decoding error in words, naming the field: "missing field batch_num", "category must be a string".
enum DecodingProblem {
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let c): return "missing field \(path(c.codingPath + [key]))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(path(c.codingPath)) has the wrong type"
        case .dataCorrupted(let c): return c.codingPath.isEmpty ? "not valid JSON" : "\(path(c.codingPath)) is not valid"
        @unknown default: return "not valid JSON"
        }
    }
}
