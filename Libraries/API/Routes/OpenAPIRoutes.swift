import Foundation
import Hummingbird
import Store

/// `GET /openapi.json` (OpenAPI 3.1, built from the route registry so every registered route is in it) and
/// `GET /docs` (and `/redoc`), a page that renders that document without loading anything from elsewhere.
struct OpenAPIRoutes {
    let registry: RouteRegistry

    func register(on router: Router<AlmanacContext>) {
        registry.add(router, .get, "/openapi.json", summary: "This API's OpenAPI 3.1 document") { _, _ in
            try JSONResponse.raw(OpenAPIDocument.build(registry.all))
        }
        // `/redoc` is where the FastAPI seeds (000, 004) keep their second docs page: the same page here.
        for path in ["/docs", "/redoc"] {
            registry.add(router, .get, path, summary: "Interactive API documentation (Swagger UI, served locally)", produces: "text/html") { _, _ in
                var headers = DocsAssets.headers(type: "text/html; charset=utf-8")
                headers[.cacheControl] = "no-cache"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.docsPage)))
            }
        }
        for asset in DocsAssets.files {
            registry.add(router, .get, "/docs/" + asset.name, summary: "Swagger UI asset (vendored, Apache-2.0)", produces: asset.type) { _, _ in
                guard let body = DocsAssets.bodies[asset.name] else { throw APIError.notFound("\(asset.name) is missing from this build") }
                return Response(status: .ok, headers: DocsAssets.headers(type: asset.type), body: .init(byteBuffer: body))
            }
        }
    }
}

/// The vendored Swagger UI (Resources/swagger-ui, SOURCE.md), read once from the bundle, and the page's own
/// start script: the page loads nothing from another origin, and its Content-Security-Policy says so.
enum DocsAssets {
    struct File: Sendable {
        var name: String
        var type: String
    }

    /// The files and their media types: what the routes and the open paths are made from, without reading them.
    static let files: [File] = [
        File(name: "swagger-ui-bundle.js", type: "text/javascript; charset=utf-8"),
        File(name: "swagger-ui.css", type: "text/css; charset=utf-8"),
        File(name: "LICENSE", type: "text/plain; charset=utf-8"),
        File(name: "init.js", type: "text/javascript; charset=utf-8"),
    ]

    /// Their contents, read from the bundle when `/docs` is first asked for (not at start-up).
    static let bodies: [String: ByteBuffer] = {
        var out: [String: ByteBuffer] = ["init.js": ByteBuffer(string: """
            window.onload = function () {
              window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, persistAuthorization: false });
            };
            """)]
        for name in ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"] { out[name] = resource(name) }
        return out
    }()

    static func resource(_ name: String) -> ByteBuffer? {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "swagger-ui"),
              let data = try? Data(contentsOf: url) else { return nil }
        return ByteBuffer(bytes: data)
    }

    static func headers(type: String) -> HTTPFields {
        [
            .contentType: type, .cacheControl: "public, max-age=86400",
            // Swagger UI sets inline styles; scripts and everything else come from this origin only.
            .contentSecurityPolicy: "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        ]
    }
}

// The lenient request fields, as their decoders take them.
extension AnomalyRoutes.Timestamp: SchemaDescribing {
    static var jsonSchema: [String: Any] { ["type": ["number", "string", "null"], "description": "seconds since 1970, or the same number as text"] }
}
extension AnomalyRoutes.Value: SchemaDescribing {
    static var jsonSchema: [String: Any] { ["type": ["number", "string", "null"], "description": "a number; null or \"NaN\" is a missing value"] }
}
extension WholeNumber: SchemaDescribing {
    static var jsonSchema: [String: Any] { ["type": "integer"] }
}

// The string enums of the answers, described by their cases.
extension BatchStatus: SchemaEnumerable {}
extension OnError: SchemaEnumerable {}
extension JobStatus: SchemaEnumerable {}
extension ModelType: SchemaEnumerable {}

public enum OpenAPIDocument {
    /// Query parameters of the routes that take them: name, schema type, description.
    static let queryParameters: [String: [(String, String, String)]] = [
        "/upload": [("on_error", "string", "fail (default) or skip: what a bad row does")],
        "/metadata": [("limit", "integer", "page size (1…100000)"), ("offset", "integer", "rows to skip")],
        "/invoice-data": [
            ("category", "string", "category filter"), ("product_id", "string", "product filter"),
            ("batch_num", "string", "rows last written by this batch"),
            ("start_date", "string", "first day, YYYY-MM-DD"), ("end_date", "string", "last day, YYYY-MM-DD"),
            ("page", "integer", "page number from 1"), ("limit", "integer", "page size (1…100000, default 15)"),
            ("offset", "integer", "rows to skip, instead of page"),
        ],
        "/forecast-data": [
            ("category", "string", "category filter"), ("model_type", "string", "prophet, sarimax or holt_winters"),
            ("start_date", "string", "first day, YYYY-MM-DD"), ("end_date", "string", "last day, YYYY-MM-DD"),
            ("limit", "integer", "page size (0…100000)"), ("offset", "integer", "rows to skip"),
        ],
        "/forecast-accuracy": [("category", "string", "category filter")],
        "/jobs": [
            ("type", "string", "job type (etl, forecast, train)"), ("status", "string", "job status"),
            ("limit", "integer", "page size (1…10000)"), ("offset", "integer", "rows to skip"),
        ],
    ]

    static let errorStatuses: [(String, String)] = [
        ("400", "Invalid input; the message names the problem"), ("401", "Missing or invalid API key or admin token"),
        ("404", "Unknown resource"), ("405", "Method not allowed on this path"), ("413", "Request body too large"),
        ("429", "Rate limit exceeded; see Retry-After"), ("431", "Request headers too large"), ("500", "Internal error"),
    ]

    typealias Object = [String: Any]

    static func jsonContent(_ schema: Object, type: String = "application/json") -> Object {
        [type: ["schema": schema] as Object]
    }

    /// The document for `entries`: one operation per registered method and path.
    public static func build(_ entries: [RouteRegistry.Entry]) -> [String: Any] {
        var paths: [String: Object] = [:]
        for entry in entries {
            // Seed 002's routes answer errors in its shape (APIError.response), the rest in Almanac's.
            let errorSchema: Object = ["$ref": APIError.isSeed002(entry.path) ? "#/components/schemas/Seed002Error" : "#/components/schemas/Error"]
            var parameters: [Object] = []
            for part in entry.path.split(separator: "/") where part.hasPrefix("{") && part.hasSuffix("}") {
                let p: Object = ["name": String(part.dropFirst().dropLast()), "in": "path", "required": true, "schema": ["type": "string"] as Object]
                parameters.append(p)
            }
            for (name, type, description) in queryParameters[entry.path] ?? [] {
                let p: Object = ["name": name, "in": "query", "required": false, "description": description, "schema": ["type": type] as Object]
                parameters.append(p)
            }
            var responses: Object = [:]
            let anyJSON: Object = ["type": ["object", "array"]]
            responses["200"] = ["description": "Success", "content": jsonContent(anyJSON)] as Object
            if let type = entry.produces {
                responses["200"] = ["description": "Success", "content": jsonContent(["type": "string"], type: String(type.prefix { $0 != ";" }))] as Object
            }
            if let type = entry.response {
                // The answer's schema from the type the handler encodes (JSONSchemaReflection).
                if entry.status != 200 { responses["200"] = nil }
                let description = entry.status == 201 ? "Created" : entry.status == 202 ? "Accepted" : "Success"
                responses[String(entry.status)] = ["description": description, "content": jsonContent(JSONSchemaReflection.schema(of: type))] as Object
            }
            for (status, description) in errorStatuses {
                responses[status] = ["description": description, "content": jsonContent(errorSchema)] as Object
            }
            let method = entry.method.rawValue.lowercased()
            let operationID = method + entry.path.split(separator: "/").map { $0.filter { $0.isLetter || $0.isNumber || $0 == "_" } }.joined(separator: "_")
            var operation: Object = [
                "summary": entry.summary, "operationId": operationID, "parameters": parameters, "responses": responses,
                "tags": [tag(entry.path)],
            ]
            if AccessPolicy.openPaths.contains(entry.path) {
                operation["security"] = [Object]()
            } else if AccessPolicy.isAdminPath(entry.path) {
                operation["security"] = [["adminToken": [String]()] as Object]
            }
            if entry.method == .post || entry.method == .put {
                if entry.path == "/upload" {
                    let file: Object = ["type": "string", "contentMediaType": "text/csv"]
                    let schema: Object = ["type": "object", "required": ["file"], "properties": ["file": file] as Object]
                    operation["requestBody"] = ["required": true, "content": jsonContent(schema, type: "multipart/form-data")] as Object
                } else if let body = entry.body {
                    operation["requestBody"] = ["required": true, "content": jsonContent(JSONSchemaReflection.schema(of: body))] as Object
                } else if entry.method == .post {
                    operation["requestBody"] = ["required": true, "content": jsonContent(["type": "object"])] as Object
                }
            }
            paths[entry.path, default: [:]][method] = operation
        }
        let errorComponent: Object = [
            "type": "object", "required": ["error", "detail"], "properties": ["error": ["type": "string"] as Object, "detail": ["type": "string"] as Object] as Object,
        ]
        let seed002Detail: Object = [
            "type": "object", "required": ["message", "code", "status_code"],
            "properties": [
                "message": ["type": "string"] as Object, "code": ["type": "string"] as Object, "status_code": ["type": "integer"] as Object,
                "details": ["type": ["object", "null"], "additionalProperties": ["type": "string"] as Object] as Object,
            ] as Object,
        ]
        let seed002Error: Object = ["type": "object", "required": ["error", "detail"], "properties": ["error": seed002Detail, "detail": seed002Detail] as Object]
        let schemes: Object = [
            "bearerAuth": ["type": "http", "scheme": "bearer"] as Object,
            "apiKeyHeader": ["type": "apiKey", "in": "header", "name": "X-API-Key"] as Object,
            "adminToken": ["type": "apiKey", "in": "header", "name": "X-Admin-Token"] as Object,
        ]
        let info: Object = ["title": "Almanac", "version": "1.0.0", "description": "Self-hosted sales forecasting and anomaly detection."]
        return [
            "openapi": "3.1.0",
            "info": info,
            "paths": paths,
            "security": [["bearerAuth": [String]()] as Object, ["apiKeyHeader": [String]()] as Object],
            "components": ["schemas": ["Error": errorComponent, "Seed002Error": seed002Error] as Object, "securitySchemes": schemes] as Object,
        ]
    }

    /// The group an operation is listed under on `/docs`: the seed whose clients use it, or Almanac's own part.
    static func tag(_ path: String) -> String {
        let groups: [(prefixes: [String], tag: String)] = [
            (["/api/v1/jobs", "/api/v1/model-params", "/api/v1/models-configs", "/health/retry-stats"], "Plastinka jobs and reports (seed 002)"),
            (["/api/v1/timesfm20", "/models", "/info"], "Inference (seed 001)"),
            (["/api"], "Work schedules (seed 000)"),
            (["/fit", "/predict", "/healthcheck", "/plot"], "Anomaly baselines (seed 004)"),
            (["/dashboard"], "Dashboard"),
            (["/docs", "/redoc", "/openapi.json"], "Documentation"),
            (["/admin", "/health", "/ready", "/metrics", "/model-params"], "Operations"),
        ]
        for group in groups where group.prefixes.contains(where: { path == $0 || path.hasPrefix($0 + "/") || path.hasPrefix($0 + "-") }) {
            return group.tag
        }
        return path == "/" ? "Dashboard" : "Sales and forecasts (seed 003)"
    }

    static let docsPage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Almanac API</title>
        <link rel="stylesheet" href="/docs/swagger-ui.css"></head>
        <body><div id="swagger-ui"><p style="font-family:sans-serif;margin:2em">The machine-readable document is
        <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Send <code>Authorization: Bearer &lt;key&gt;</code> or
        <code>X-API-Key</code>; admin routes take <code>X-Admin-Token</code>.</p></div>
        <script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script>
        </body></html>
        """
}
