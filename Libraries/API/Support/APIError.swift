import Foundation
public import Hummingbird
public import Workflows

/// The one error type routes throw: it knows its status, message, extra JSON fields and headers,
/// and renders itself as `{"error": "...", "detail": "...", ...}`. Every 4xx/5xx body Almanac sends goes through here.
/// `detail` repeats the message for the FastAPI clients of seeds 000, 001 and 004, which read that key;
/// an `extra` that sets `detail` itself keeps its own.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    public var extra: [String: String]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, extra: [String: String] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.extra = extra
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data: Data
        if Self.isSeed002(request.uri.path) {
            // Seed 002's ErrorDetail, under `error` (its client reads error.message) and FastAPI's `detail`.
            let detail: [String: Any] = [
                "message": message, "code": extra["code"] ?? Self.code(status), "status_code": Int(status.code),
                "details": extra.filter { $0.key != "code" }.isEmpty ? NSNull() : extra.filter { $0.key != "code" } as Any,
            ]
            data = (try? JSONSerialization.data(withJSONObject: ["error": detail, "detail": detail], options: [.sortedKeys])) ?? Data()
        } else {
            var body = extra
            body["error"] = message
            if body["detail"] == nil { body["detail"] = message }
            data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{\"error\":\"internal error\"}".utf8)
        }
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A workflow's refusal as the client sees it: its kind's status, its message, its fields beside them.
    public init(_ error: WorkflowError) {
        self.init(Self.status(error.kind), error.message, extra: error.fields,
                  headers: error.retryAfterSeconds.map { [.retryAfter: String($0)] } ?? [:])
    }

    /// The one place a workflow's kind of refusal becomes an HTTP status.
    public static func status(_ kind: WorkflowError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .invalid: .badRequest
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .contentTooLarge
        case .unauthorized: .unauthorized
        case .rateLimited: .tooManyRequests
        case .failed: .unprocessableContent
        case .timedOut: .gatewayTimeout
        case .unavailable: .serviceUnavailable
        }
    }

    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }

    /// An error on seed 002's routes with its `code` (rendered in the seed's shape by ``response(from:context:)``).
    public static func seed002(_ status: HTTPResponse.Status, _ message: String, code: String) -> APIError {
        APIError(status, message, extra: ["code": code])
    }

    /// Seed 002's routes: `/api/v1/jobs…`, `/api/v1/model-params…` and `/api/v1/models-configs…`.
    static func isSeed002(_ path: String) -> Bool {
        path.hasPrefix("/api/v1/jobs") || path.hasPrefix("/api/v1/model-params") || path.hasPrefix("/api/v1/models-configs")
    }

    static func code(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400, 422: "validation_error"
        case 401: "unauthorized"
        case 404: "not_found"
        case 405: "method_not_allowed"
        case 409: "conflict"
        case 413: "payload_too_large"
        case 429: "rate_limited"
        default: status.code >= 500 ? "internal_error" : "error"
        }
    }
    public static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
}

/// JSON responses with the API's encoder settings.
public enum JSONResponse {
    public static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    public static func raw(_ object: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
