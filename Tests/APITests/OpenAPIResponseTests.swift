@testable import API
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Store
import Testing

/// `/openapi.json` describes the answers the handlers give: every route whose answer type is in the
/// document is called on real data (an upload fitted by the in-process workers), and each answer is
/// validated against the document's schema for its status.
@Suite("OpenAPI responses", .serialized)
struct OpenAPIResponseTests {
    @Test(arguments: Backend.allCases)
    func realAnswersMatchTheDocument(_ backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: ["FORECAST_HORIZON": "7"])
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let doc = try #require(try await client.get("/openapi.json").json as? [String: Any])
            let paths = try #require(doc["paths"] as? [String: [String: [String: Any]]])
            let upload = try await client.upload(salesCSV(categories: ["alpha"], days: 60))
            try Self.validate(upload, paths["/upload"]?["post"], "POST /upload")
            let batch = try #require(upload.object["batch_num"] as? String)
            _ = try await eventually(timeout: .seconds(240), "forecasts") { () -> Bool? in
                try await client.get("/forecast-accuracy").array.count == 5 ? true : nil
            }
            let jobID = try #require(try await client.get("/jobs?type=forecast").array.first?["job_id"] as? String)
            // Every GET whose answer is described, with the parameters that give it rows.
            var checked = 0
            for (path, operations) in paths.sorted(by: { $0.key < $1.key }) {
                guard let op = operations["get"], Self.describedStatus(op) != nil else { continue }
                let uri = path.replacingOccurrences(of: "{batch_num}", with: batch)
                    .replacingOccurrences(of: "{id}", with: jobID).replacingOccurrences(of: "{job_id}", with: jobID)
                guard !uri.contains("{") else { continue }
                for query in Self.queries[path] ?? [""] {
                    let r = try await client.get(uri + query)
                    try Self.validate(r, op, "GET \(uri + query)")
                    checked += 1
                }
            }
            #expect(checked >= 10, "only \(checked) answers checked")
        }
    }

    /// The POST and DELETE routes with described answers, called as their clients do (seeds 000 and 004, the
    /// JSON forecast), each answer validated; admin routes with the token.
    @Test func postAnswersMatchTheDocument() async throws {
        let fx = try await APIFixture.make(.embedded, env: ["ADMIN_TOKEN": ScheduleAPITests.admin])
        defer { Task { await fx.close() } }
        try await fx.test(workers: true) { client in
            let doc = try #require(try await client.get("/openapi.json").json as? [String: Any])
            let paths = try #require(doc["paths"] as? [String: [String: [String: Any]]])
            let json: HTTPFields = [.contentType: "application/json"]
            func call(_ method: HTTPRequest.Method, _ uri: String, _ path: String, headers: HTTPFields = [:], body: ByteBuffer? = nil) async throws -> TestResponse {
                let r = try await client.execute(uri: uri, method: method, headers: headers, body: body)
                try Self.validate(r, paths[path]?[method.rawValue.lowercased()], "\(method) \(uri)")
                return r
            }
            let forecast = try JSONSerialization.data(withJSONObject: ["series": ForecastEndpointTests.series(60), "horizon": 7, "models": ["holt_winters", "theta"]] as [String: Any])
            #expect(try await call(.post, "/forecast", "/forecast", headers: json, body: ByteBuffer(bytes: forecast)).status == .ok)
            let fit = try await call(.post, "/fit/sensor_01", "/fit/{series_id}", headers: json,
                body: ByteBuffer(string: #"{"timestamps":[1705000000,1705000001,1705000002,1705000003],"values":[10.0,11.2,10.4,10.8]}"#))
            #expect(fit.status == .ok, "\(fit.error)")
            #expect(try await call(.post, "/predict/sensor_01", "/predict/{series_id}", headers: json,
                body: ByteBuffer(string: #"{"timestamp":"1705000010","value":13.0}"#)).status == .ok)
            _ = try await call(.get, "/healthcheck", "/healthcheck")
            let created = try await call(.post, "/api/session/create", "/api/session/create")
            let session = try #require(created.object["session_id"] as? String)
            var train = Multipart.headers
            train[.init("X-Session-ID")!] = session
            let trained = try await call(.post, "/api/train_models", "/api/train_models", headers: train,
                body: Multipart.body(file: Array(ScheduleAPITests.csv().utf8), filename: "data.csv", extraFields: ScheduleAPITests.mapping))
            #expect(trained.status == .ok, "\(trained.error)")
            let sessionHeader: HTTPFields = [.contentType: "application/json", .init("X-Session-ID")!: session]
            _ = try await call(.get, "/api/session/info", "/api/session/info", headers: sessionHeader)
            let predicted = try await call(.post, "/api/predict", "/api/predict", headers: sessionHeader,
                body: ByteBuffer(string: #"{"id":"1","target_date":"2025-03-20","window_size":5}"#))
            #expect(predicted.status == .ok, "\(predicted.error)")
            let admin: HTTPFields = [.init("X-Admin-Token")!: ScheduleAPITests.admin]
            _ = try await call(.get, "/api/session/cache-info", "/api/session/cache-info", headers: admin)
            _ = try await call(.get, "/admin/retention", "/admin/retention", headers: admin)
            _ = try await call(.delete, "/api/session/delete", "/api/session/delete", headers: sessionHeader)
            #expect(try await call(.post, "/api/session/cleanup", "/api/session/cleanup", headers: admin).status == .ok)
            for path in ["/api/session/cache-clear", "/api/session/clear-cache"] {
                #expect(try await call(.post, path, path, headers: admin).status == .ok)
            }
            #expect(try await call(.post, "/health/retry-stats/reset", "/health/retry-stats/reset", headers: admin).status == .ok)
            // Seed 001's state routes: initialised, its status, shut down.
            let seed001 = "/api/v1/timesfm20"
            #expect(try await call(.post, seed001 + "/initialization", seed001 + "/initialization", headers: json,
                                   body: ByteBuffer(string: #"{"backend":"cpu","context_len":64,"horizon_len":8}"#)).status == .ok)
            _ = try await call(.get, seed001 + "/status", seed001 + "/status")
            _ = try await call(.post, seed001 + "/shutdown", seed001 + "/shutdown")
            // Parameter sets, on both spellings: created (201), listed, activated.
            for prefix in ["", "/api/v1"] {
                let made = try await call(.post, prefix + "/model-params", prefix + "/model-params", headers: json,
                    body: ByteBuffer(string: #"{"model_type":"holt_winters","name":"weekly","parameters":{"weights":"akaike"}}"#))
                #expect(made.status == .created, "\(made.error)")
                let id = try #require(made.object["id"] as? Int)
                _ = try await call(.get, prefix + "/model-params", prefix + "/model-params")
                #expect(try await call(.put, prefix + "/model-params/\(id)/activate", prefix + "/model-params/{id}/activate").status == .ok)
            }
        }
    }

    /// Queries that reach each answer's other shapes (a product's forecast rows are not a model's).
    static let queries: [String: [String]] = [
        "/forecast-data": ["", "?model_type=auto", "?product_id=P0-0"],
        "/invoice-data": ["", "?limit=3&page=2"],
    ]

    /// The status of a described answer (one with a schema beyond "any JSON").
    static func describedStatus(_ op: [String: Any]) -> String? {
        let responses = op["responses"] as? [String: Any] ?? [:]
        return responses.keys.sorted().first { status in
            guard status.hasPrefix("2"), let schema = Self.schema(op, status) else { return false }
            return schema["type"] as? String != nil || schema["anyOf"] != nil
        }
    }

    static func schema(_ op: [String: Any], _ status: String) -> [String: Any]? {
        let response = (op["responses"] as? [String: Any])?[status] as? [String: Any]
        return ((response?["content"] as? [String: Any])?["application/json"] as? [String: Any])?["schema"] as? [String: Any]
    }

    static func validate(_ r: TestResponse, _ op: [String: Any]?, _ what: String) throws {
        let op = try #require(op, "\(what) is not in the document")
        let status = String(r.status.code)
        let schema = try #require(Self.schema(op, status), "\(what) answered \(status), which the document does not describe")
        let body = try #require(r.json, "\(what): not JSON")
        let problems = SchemaValidator.problems(body, schema, at: "$")
        #expect(problems.isEmpty, "\(what): \(problems.prefix(5))")
    }

    /// Every answer type given to the registry is walked to its end: a type the walk cannot complete would be
    /// described as any object, and its answers would check against nothing.
    @Test func everyDescribedAnswerTypeReflects() async throws {
        let registry = try await Self.registeredRoutes()
        let described = registry.all.filter { $0.response != nil }
        #expect(described.count >= 24, "\(described.count) routes describe their answer")
        for entry in described {
            #expect(throws: Never.self, "\(entry.method) \(entry.path)") { _ = try JSONSchemaReflection.reflect(entry.response!) }
        }
        // And an enum the walk knows by its cases.
        let upload = try JSONSchemaReflection.reflect(UploadRecord.self)
        #expect(((upload["properties"] as? [String: Any])?["status"] as? [String: Any])?["enum"] as? [String] == BatchStatus.allCases.map(\.rawValue))
    }

    /// The operations whose answer is still described as any JSON: the list only shrinks. A route added without
    /// its answer type, or a typed one losing it, fails here.
    @Test func theUntypedOperationsAreTheKnownFew() async throws {
        let registry = try await Self.registeredRoutes()
        let untyped = Set(registry.all.filter { $0.response == nil && $0.produces == nil }.map { "\($0.method.rawValue) \($0.path)" })
        for typed in ["GET /api", "POST /api/session/cleanup", "POST /api/session/cache-clear", "POST /api/session/clear-cache",
                      "POST /api/v1/timesfm20/initialization", "GET /api/v1/timesfm20/status", "POST /api/v1/timesfm20/shutdown",
                      "POST /health/retry-stats/reset"] {
            #expect(!untyped.contains(typed), "\(typed)")
        }
        #expect(untyped.count <= Self.untypedLimit, "\(untyped.sorted())")
    }

    /// The routes production registers, from a router built as production builds it.
    static func registeredRoutes() async throws -> RouteRegistry {
        let fx = try await APIFixture.make(.embedded)
        defer { Task { await fx.close() } }
        let registry = RouteRegistry()
        let io = NIOThreadPool(numberOfThreads: 1)
        io.start()
        _ = AlmanacApp.buildRouter(runtime: fx.runtime, io: io, registry: registry)
        try await io.shutdownGracefully()
        return registry
    }

    /// How many operations are still untyped, counted from the registry (13 at stop 30).
    static let untypedLimit = 13

    @Test func theValidatorFindsWhatIsWrong() {
        let schema: [String: Any] = [
            "type": "object", "required": ["a"],
            "properties": ["a": ["type": "integer"], "b": ["type": ["string", "null"]], "c": ["type": "array", "items": ["type": "string", "enum": ["x"]]]],
        ]
        #expect(SchemaValidator.problems(["a": 1, "b": NSNull(), "c": ["x"]], schema, at: "$").isEmpty)
        #expect(SchemaValidator.problems(["b": "s"], schema, at: "$") == ["$: a is required"])
        #expect(SchemaValidator.problems(["a": 1.5], schema, at: "$") == ["$.a: 1.5 is not integer"])
        #expect(SchemaValidator.problems(["a": 1, "c": ["y"]], schema, at: "$") == ["$.c[0]: \"y\" is not one of [\"x\"]"])
        #expect(SchemaValidator.problems(["a": true], schema, at: "$") == ["$.a: true is not integer"])
    }
}

/// The part of JSON Schema the document uses: type (one or a list), properties, required, items, enum,
/// anyOf and additionalProperties.
enum SchemaValidator {
    static func problems(_ value: Any, _ schema: [String: Any], at path: String) -> [String] {
        if let any = schema["anyOf"] as? [[String: Any]] {
            let each = any.map { problems(value, $0, at: path) }
            return each.contains { $0.isEmpty } ? [] : ["\(path): matches none of anyOf (\(each.first?.first ?? ""))"]
        }
        if let types = (schema["type"] as? [String]) ?? (schema["type"] as? String).map({ [$0] }),
           !types.contains(where: { matches(value, $0) }) {
            return ["\(path): \(describe(value)) is not \(types.joined(separator: " or "))"]
        }
        var out: [String] = []
        if let allowed = schema["enum"] as? [String], !(value is NSNull) {
            if !((value as? String).map(allowed.contains) ?? false) { out.append("\(path): \(describe(value)) is not one of \(allowed)") }
        }
        if let object = value as? [String: Any] {
            for name in schema["required"] as? [String] ?? [] where object[name] == nil { out.append("\(path): \(name) is required") }
            let properties = schema["properties"] as? [String: [String: Any]] ?? [:]
            for (name, v) in object.sorted(by: { $0.key < $1.key }) {
                if let p = properties[name] {
                    out += problems(v, p, at: "\(path).\(name)")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    out += problems(v, extra, at: "\(path).\(name)")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (i, v) in array.enumerated() { out += problems(v, items, at: "\(path)[\(i)]") }
        }
        return out
    }

    static func matches(_ value: Any, _ type: String) -> Bool {
        let number = value as? NSNumber
        let isBool = number.map(isBoolean) ?? false
        switch type {
        case "null": return value is NSNull
        case "boolean": return isBool
        case "integer": return !isBool && number.map { $0.doubleValue == $0.doubleValue.rounded() } ?? false
        case "number": return !isBool && number != nil
        case "string": return value is String
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        default: return true
        }
    }

    /// JSONSerialization gives true and false as NSNumbers of C type char.
    static func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    static func describe(_ value: Any) -> String {
        if let s = value as? String { return "\"\(s)\"" }
        if let n = value as? NSNumber, isBoolean(n) { return n.boolValue ? "true" : "false" }
        return "\(value)"
    }
}
