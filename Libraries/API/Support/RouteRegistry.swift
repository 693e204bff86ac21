public import Hummingbird
import Synchronization

/// Every route Almanac registers, kept for the OpenAPI document and for `405 Method Not Allowed` with `Allow`.
public final class RouteRegistry: Sendable {
    public struct Entry: Sendable {
        public var method: HTTPRequest.Method
        public var path: String
        public var summary: String
        /// The type the handler encodes as its JSON answer, and that answer's status; nil: not described.
        public var response: (any (Decodable & Sendable).Type)?
        public var status: Int = 200
        /// The JSON request body the handler decodes; nil: none, or not described.
        public var body: (any (Decodable & Sendable).Type)?
        /// The media type of an answer that is not JSON (a page, a script, a CSV file), as the handler sends it.
        public var produces: String?
    }

    private let entries = Mutex<[Entry]>([])

    public init() {}

    public var all: [Entry] { entries.withLock { $0 } }

    /// Registers a handler on the router and records it. Paths use `{name}` for parameters.
    func add(
        _ router: Router<AlmanacContext>, _ method: HTTPRequest.Method, _ path: String, summary: String,
        response: (any (Decodable & Sendable).Type)? = nil, status: Int = 200, body: (any (Decodable & Sendable).Type)? = nil,
        produces: String? = nil, handler: @escaping @Sendable (Request, AlmanacContext) async throws -> Response
    ) {
        entries.withLock {
            $0.append(Entry(method: method, path: path, summary: summary, response: response, status: status, body: body, produces: produces))
        }
        let hbPath = path.split(separator: "/", omittingEmptySubsequences: false).map { part -> String in
            if part.hasPrefix("{") && part.hasSuffix("}") { return ":" + part.dropFirst().dropLast() }
            return String(part)
        }.joined(separator: "/")
        router.on(RouterPath(hbPath), method: method) { request, context in try await handler(request, context) }
    }

    /// Methods registered for a concrete path, matching `{param}` segments against anything.
    public func methods(matching path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var out: [HTTPRequest.Method] = []
        for e in all {
            let pattern = e.path.split(separator: "/", omittingEmptySubsequences: true)
            guard pattern.count == parts.count else { continue }
            let matches = zip(pattern, parts).allSatisfy { p, s in p.hasPrefix("{") || p == s }
            if matches && !out.contains(e.method) { out.append(e.method) }
        }
        return out
    }
}
