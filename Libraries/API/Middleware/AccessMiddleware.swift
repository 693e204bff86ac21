import Dashboard
import Config
import Foundation
import Hummingbird
import HTTPTypes
import Logging
import Synchronization

/// Who may call the API: the SHA-256 digests of the API keys and of the admin token. Keys are compared by
/// digest in constant time, so neither their text nor a timing difference reveals them.
public struct AccessPolicy: Sendable {
    public let apiKeyHashes: [String]
    public let adminTokenHash: String
    /// Signs and checks the dashboard's sign-in cookies.
    public let sessions: DashboardSessions
    /// Paths any caller may reach without a key (probes, the API description and the dashboard's sign-in page).
    public static let openPaths: Set<String> = Set(
        ["/health", "/ready", "/healthcheck", "/openapi.json", "/docs", "/redoc", "/dashboard/login"]
            + DocsAssets.files.map { "/docs/" + $0.name })

    public init(apiKeyHashes: [String], adminToken: String, sessions: DashboardSessions = DashboardSessions(secret: nil)) {
        self.apiKeyHashes = apiKeyHashes
        self.adminTokenHash = SHA256Hex.digest(adminToken)
        self.sessions = sessions
    }

    /// The policy for a configuration; without `ADMIN_TOKEN` an ephemeral token is generated and logged
    /// once (as seed 000 does), so an operator can still reach the admin endpoints of this process.
    public static func make(config: AlmanacConfiguration, logger: Logger) -> AccessPolicy {
        if !config.apiKeysConfigured {
            logger.warning("no API_KEYS configured: authentication is off", metadata: ["host": "\(config.host)"])
        }
        let sessions = DashboardSessions(
            secret: config.dashboardSessionSecret, lifetimeSeconds: config.dashboardSessionSeconds, secure: config.dashboardCookieSecure)
        if let token = config.adminToken {
            logger.info("admin token loaded from ADMIN_TOKEN")
            return AccessPolicy(apiKeyHashes: config.apiKeyHashes, adminToken: token, sessions: sessions)
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let token = String((0..<43).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
        logger.warning("ephemeral admin token generated (set ADMIN_TOKEN in production)", metadata: ["admin_token": "\(token)"])
        return AccessPolicy(apiKeyHashes: config.apiKeyHashes, adminToken: token, sessions: sessions)
    }

    /// The digest of the accepted key `presented`, or nil.
    func matchingKey(_ presented: String) -> String? {
        let digest = SHA256Hex.digest(presented)
        var found: String?
        for hash in apiKeyHashes where SHA256Hex.constantTimeEquals(hash, digest) { found = hash }
        return found
    }

    func isAdmin(_ presented: String?) -> Bool {
        guard let presented else { return false }
        return SHA256Hex.constantTimeEquals(adminTokenHash, SHA256Hex.digest(presented))
    }

    /// Seed 000's admin routes, reached with the admin token alone, as its clients call them.
    static let sessionAdminPaths: Set<String> = [
        "/api/session/cleanup", "/api/session/cache-info", "/api/session/cache-clear", "/api/session/clear-cache",
        "/api/session/cleanup/", "/api/session/cache-info/", "/api/session/cache-clear/", "/api/session/clear-cache/",
    ]

    /// Whether `path` reaches an admin route. The router skips empty segments (`//admin/retention` is
    /// `/admin/retention` to it), so the path is compared without them.
    static func isAdminPath(_ path: String) -> Bool {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let canonical = "/" + segments.joined(separator: "/")
        return canonical == "/admin" || canonical.hasPrefix("/admin/") || sessionAdminPaths.contains(canonical)
    }
}

extension HTTPField.Name {
    static let apiKey = Self("X-API-Key")!
    static let adminToken = Self("X-Admin-Token")!
}

/// API keys (`Authorization: Bearer <key>` or `X-API-Key`) on every route but the open ones, and the admin
/// token (`X-Admin-Token`) on `/admin/…`. With no keys configured only the admin token is checked.
/// A browser without a key header may present the dashboard's sign-in cookie instead (`DashboardSessions`);
/// an unsafe request made with it must also prove it came from a dashboard page: its `X-CSRF-Token` header,
/// or, on the dashboard's own form routes, the form's `csrf_token` field (checked by the route). A page
/// request with no credential at all is sent to the sign-in page; an API call gets a 401.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AlmanacContext
    let policy: AccessPolicy
    /// The dashboard's HTML forms, which carry their token in the body (`DashboardSession.verifyForm`).
    static let formPaths: Set<String> = ["/dashboard/upload", "/dashboard/schedule", "/dashboard/logout"]

    func handle(_ request: Request, context: AlmanacContext, next: (Request, AlmanacContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if request.method == .options || AccessPolicy.openPaths.contains(path) { return try await next(request, context) }
        if AccessPolicy.isAdminPath(path) {
            guard request.headers[.adminToken] != nil else { throw APIError(.unauthorized, "admin endpoint: missing X-Admin-Token header") }
            guard policy.isAdmin(request.headers[.adminToken]) else { throw APIError(.unauthorized, "admin endpoint: invalid X-Admin-Token") }
            return try await next(request, context)
        }
        guard !policy.apiKeyHashes.isEmpty else { return try await next(request, context) }
        var presented: String?
        if let auth = request.headers[.authorization] {
            let parts = auth.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIError(.unauthorized, "Authorization header must be \"Bearer <api key>\"", headers: [.wwwAuthenticate: "Bearer"])
            }
            presented = String(parts[1]).trimmingCharacters(in: .whitespaces)
        } else if let key = request.headers[.apiKey] {
            presented = key
        } else if let cookie = DashboardSessions.cookie(in: request.headers[.cookie]) {
            return try await withSession(cookie, request, context: context, next: next)
        }
        guard let presented else {
            if Self.wantsPage(request) { return Self.toSignIn(request, reason: nil) }
            throw APIError(.unauthorized, "missing API key: send Authorization: Bearer <key> or X-API-Key", headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let hash = policy.matchingKey(presented) else {
            throw APIError(.unauthorized, "invalid API key", headers: [.wwwAuthenticate: "Bearer"])
        }
        var context = context
        context.apiKeyHash = hash
        return try await next(request, context)
    }

    private func withSession(
        _ cookie: String, _ request: Request, context: AlmanacContext, next: (Request, AlmanacContext) async throws -> Response
    ) async throws -> Response {
        let now = Int(Date().timeIntervalSince1970)
        guard var session = policy.sessions.verify(cookie, acceptedKeyHashes: policy.apiKeyHashes, now: now) else {
            if Self.wantsPage(request) {
                var response = Self.toSignIn(request, reason: "expired")
                response.headers[.setCookie] = policy.sessions.setCookie(nil, now: now)
                return response
            }
            throw APIError(.unauthorized, "the dashboard session has expired or is no longer valid: sign in again at /dashboard/login",
                           headers: [.setCookie: policy.sessions.setCookie(nil, now: now)])
        }
        if ![.get, .head].contains(request.method) {
            try Self.requireSameOrigin(request)
            if let header = request.headers[.csrfToken] {
                guard SHA256Hex.constantTimeEquals(header, session.csrfToken) else {
                    throw APIError(.forbidden, "X-CSRF-Token does not match this dashboard session: reload the page")
                }
                session.headerChecked = true
            } else if !Self.formPaths.contains(request.uri.path) {
                throw APIError(.forbidden, "a request signed in by the dashboard cookie must send X-CSRF-Token (or use an API key header)")
            }
        }
        var context = context
        context.apiKeyHash = session.keyHash
        return try await DashboardSession.$current.withValue(session) {
            try await DashboardSigning.$csrfToken.withValue(session.csrfToken) { try await next(request, context) }
        }
    }

    /// Refuses a cookie-signed unsafe request another site started: browsers say so in `Sec-Fetch-Site` and
    /// `Origin` (the SameSite=Strict cookie already stays home on cross-site requests; this covers sibling subdomains).
    static func requireSameOrigin(_ request: Request) throws {
        if let site = request.headers[.secFetchSite]?.lowercased(), site != "same-origin", site != "none" {
            throw APIError(.forbidden, "cross-site request refused (Sec-Fetch-Site: \(site.prefix(20)))")
        }
        if let origin = request.headers[.origin], let host = request.head.authority {
            let bare = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
            guard bare.lowercased() == host.lowercased() else {
                throw APIError(.forbidden, "cross-origin request refused (Origin \(origin.prefix(80)) is not this host)")
            }
        }
    }

    /// A browser asking for a dashboard page (not a script or an API client): it is shown the sign-in page.
    static func wantsPage(_ request: Request) -> Bool {
        let path = request.uri.path
        guard request.method == .get, path == "/" || (path.hasPrefix("/dashboard/") && !path.hasSuffix(".js") && !path.hasSuffix(".csv")) else {
            return false
        }
        return request.headers[.accept]?.contains("text/html") ?? false
    }

    static func toSignIn(_ request: Request, reason: String?) -> Response {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        let next = request.uri.string.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/"
        let location = "/dashboard/login?next=" + next + (reason.map { "&reason=" + $0 } ?? "")
        return Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}

/// A token bucket per client (its API key, or its address when it has none): `perMinute` requests a
/// minute, refilled continuously, bursts up to `perMinute`. Over the limit → 429 with `Retry-After`.
final class RateLimiter: Sendable {
    struct Bucket { var tokens: Double; var updated: Double }
    let perMinute: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    init(perMinute: Int) { self.perMinute = perMinute }

    /// Takes one token for `client` at time `now` (seconds); returns nil when allowed, else seconds to wait.
    func take(client: String, now: Double) -> Int? {
        let capacity = Double(perMinute), rate = Double(perMinute) / 60
        return buckets.withLock { buckets in
            if buckets.count > 50_000 { buckets = buckets.filter { now - $0.value.updated < 60 } }
            var bucket = buckets[client] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            defer { buckets[client] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / rate).rounded(.up)))
        }
    }
}

struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AlmanacContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: AlmanacContext, next: (Request, AlmanacContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if request.method == .options || path == "/health" || path == "/ready" { return try await next(request, context) }
        let client = context.apiKeyHash.map { "key:" + $0 } ?? "ip:" + context.remoteAddress
        let now = Date().timeIntervalSince1970
        if let wait = limiter.take(client: client, now: now) {
            throw APIError(
                .tooManyRequests, "rate limit of \(limiter.perMinute) requests per minute exceeded; retry in \(wait) s",
                headers: [.retryAfter: String(wait)])
        }
        return try await next(request, context)
    }
}

/// Header and body size limits, checked before any handler runs: headers over `maxHeaderBytes` → 431, a
/// declared body over the route's limit (`MAX_UPLOAD_BYTES` and the multipart envelope for uploads, the JSON
/// limit elsewhere) → 413; a body with a `Content-Encoding` other than identity → 415.
struct SizeLimitMiddleware: RouterMiddleware {
    typealias Context = AlmanacContext
    let maxHeaderBytes: Int
    let maxUploadBytes: Int

    func handle(_ request: Request, context: AlmanacContext, next: (Request, AlmanacContext) async throws -> Response) async throws -> Response {
        var headerBytes = 0
        for field in request.headers { headerBytes += field.name.rawName.utf8.count + field.value.utf8.count + 4 }
        if headerBytes > maxHeaderBytes {
            throw APIError(.requestHeaderFieldsTooLarge, "request headers are \(headerBytes) bytes; the limit is \(maxHeaderBytes)")
        }
        // Uploads (any multipart body: /upload and the other upload forms): the file may be MAX_UPLOAD_BYTES plus
        // the multipart envelope; the route checks the file itself. Everything else has the JSON limit.
        // A compressed body is never inflated (a gzip bomb stays a few bytes): refused before it is read.
        if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "identity" {
            throw APIError(.unsupportedMediaType, "compressed request bodies (Content-Encoding: \(encoding.prefix(40))) are not accepted")
        }
        let multipart = request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") ?? false
        let limit = multipart ? maxUploadBytes + 64 * 1024 : context.maxUploadSize
        if let raw = request.headers[.contentLength] {
            guard let length = Int(raw), length >= 0 else { throw APIError.badRequest("Content-Length is not a number") }
            if length > limit {
                throw APIError(.contentTooLarge, "request body is \(length) bytes; the limit for \(request.uri.path.prefix(100)) is \(limit)")
            }
        }
        return try await next(request, context)
    }
}

/// CORS for the configured origins (`CORS_ORIGINS`, `*` for any): answers preflights and marks responses
/// (errors included) for an allowed `Origin`. With no origins configured no CORS header is ever sent.
struct CORSOriginsMiddleware: RouterMiddleware {
    typealias Context = AlmanacContext
    let origins: [String]

    func allowed(_ origin: String?) -> String? {
        guard let origin, !origins.isEmpty else { return nil }
        if origins.contains("*") { return "*" }
        return origins.contains(origin) ? origin : nil
    }

    func handle(_ request: Request, context: AlmanacContext, next: (Request, AlmanacContext) async throws -> Response) async throws -> Response {
        let allow = allowed(request.headers[.origin])
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard let allow else { throw APIError(.forbidden, "origin \(request.headers[.origin]?.prefix(100) ?? "(none)") is not in CORS_ORIGINS") }
            return Response(status: .noContent, headers: [
                .accessControlAllowOrigin: allow, .vary: "Origin",
                .accessControlAllowMethods: "GET, POST, PUT, DELETE, OPTIONS",
                .accessControlAllowHeaders: "Authorization, X-API-Key, X-Admin-Token, Content-Type, X-Request-ID",
                .accessControlMaxAge: "600",
            ])
        }
        do {
            var response = try await next(request, context)
            if let allow {
                response.headers[.accessControlAllowOrigin] = allow
                response.headers[.vary] = "Origin"
            }
            return response
        } catch var error as APIError {
            if let allow {
                error.headers[.accessControlAllowOrigin] = allow
                error.headers[.vary] = "Origin"
            }
            throw error
        }
    }
}
