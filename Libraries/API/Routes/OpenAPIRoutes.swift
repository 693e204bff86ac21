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
            registry.add(router, .get, path, summary: "API documentation page") { _, _ in
                Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.docsPage)))
            }
        }
    }
}

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
            if entry.path == "/metrics" {
                responses["200"] = ["description": "Prometheus text format", "content": jsonContent(["type": "string"], type: "text/plain")] as Object
            }
            if entry.path == "/docs" {
                responses["200"] = ["description": "HTML page", "content": jsonContent(["type": "string"], type: "text/html")] as Object
            }
            if entry.method == .post && entry.path == "/model-params" {
                responses["201"] = ["description": "Created", "content": jsonContent(["type": "object"])] as Object
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
            var operation: Object = ["summary": entry.summary, "operationId": operationID, "parameters": parameters, "responses": responses]
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

    static let docsPage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Almanac API</title>
        <style>body{font-family:sans-serif;max-width:60em;margin:2em auto}code{background:#eee;padding:0 .3em}
        .op{border-bottom:1px solid #ddd;padding:.5em 0}.m{font-weight:bold;display:inline-block;width:4em}</style></head>
        <body><h1>Almanac API</h1><p>The machine-readable document is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).
        Send <code>Authorization: Bearer &lt;key&gt;</code> or <code>X-API-Key</code>; admin routes take <code>X-Admin-Token</code>.</p>
        <div id="ops">Loading…</div>
        <script>
        fetch('/openapi.json').then(r => r.json()).then(doc => {
          const out = [];
          for (const path of Object.keys(doc.paths).sort()) for (const [m, op] of Object.entries(doc.paths[path])) {
            const ps = (op.parameters || []).map(p => p.name + ' (' + p.in + ')').join(', ');
            out.push('<div class="op"><span class="m">' + m.toUpperCase() + '</span> <code>' + path + '</code> — ' + op.summary
              + (ps ? '<br><small>parameters: ' + ps + '</small>' : '') + '</div>');
          }
          document.getElementById('ops').innerHTML = out.join('');
        });
        </script></body></html>
        """
}
