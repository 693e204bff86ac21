public import Jobs
public import Store

extension JobPayload {
    /// The payload a worker's message carries. One that does not decode can never succeed, so it fails the job
    /// for good (`JobFailure.permanent`) with the job type and the field at fault.
    public static func decode(_ message: JobMessage) throws -> Self {
        do {
            return try decode(payload: message.payload)
        } catch let error as DecodingError {
            throw JobFailure.permanent("\(type) job payload does not fit: \(DecodingProblem.describe(error, whole: "the payload"))")
        } catch {
            throw JobFailure.permanent("\(type) job payload is not valid JSON")
        }
    }
}

/// A decoding error in words, naming the field: "missing field batch_num", "series[3].value must be a number".
/// The API's JSON bodies and the workers' job payloads say their problems the same way.
public enum DecodingProblem {
    /// The problem `error` stands for; `whole` names the value itself when the error has no place in it.
    public static func describe(_ error: DecodingError, whole: String = "request body") -> String {
        switch error {
        case .keyNotFound(let key, let c):
            return "missing field \(path(c.codingPath + [key], whole: whole))"
        case .typeMismatch(let type, let c):
            return "\(path(c.codingPath, whole: whole)) must be \(expectation(type))"
        case .valueNotFound(let type, let c):
            return "\(path(c.codingPath, whole: whole)) must be \(expectation(type)), not null"
        case .dataCorrupted(let c) where !c.codingPath.isEmpty:
            return "\(path(c.codingPath, whole: whole)) is not valid: \(c.debugDescription)"
        case .dataCorrupted:
            return "\(whole) is not valid JSON"
        @unknown default:
            return "\(whole) is not valid JSON"
        }
    }

    /// `series[3].value` for the keys series, 3, value; `whole` for none.
    public static func path(_ keys: [any CodingKey], whole: String = "request body") -> String {
        var out = ""
        for key in keys {
            if let index = key.intValue { out += "[\(index)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out.isEmpty ? whole : out
    }

    /// What a value of `type` is, as said to a client.
    public static func expectation(_ type: Any.Type) -> String {
        if type == String.self { return "a string" }
        if type == Bool.self { return "true or false" }
        if type == Double.self || type == Float.self { return "a number" }
        if type is any BinaryInteger.Type { return "a whole number" }
        let name = String(describing: type)
        if name.hasPrefix("Array<") { return "an array" }
        return "an object"
    }
}
