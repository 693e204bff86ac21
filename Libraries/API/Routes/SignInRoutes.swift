import Dashboard
import Foundation
import Hummingbird
import HTTPTypes

/// The dashboard's sign-in for browsers when `API_KEYS` is set: `/dashboard/login` takes an API key and sets
/// the session cookie (`DashboardSessions`); `/dashboard/logout` deletes it. The API keeps its header auth.
struct SignInRoutes {
    let policy: AccessPolicy

    struct SignInForm: Decodable {
        var api_key: String?
        var next: String?
    }

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        registry.add(router, .get, "/dashboard/login", summary: "Dashboard sign-in page: an API key for a session cookie (HTML)", produces: "text/html") { request, _ in
            let q = try QueryParams(request, allowed: ["next", "reason"])
            let notice: String? = switch try q.string("reason", maxLength: 20) {
            case "expired": "Your session has ended: sign in again."
            case "signed_out": "You are signed out."
            default: nil
            }
            return page(next: Self.safeNext(try q.string("next", maxLength: 2000)), notice: notice, status: .ok)
        }
        registry.add(router, .post, "/dashboard/login", summary: "Sign in (form: api_key, next): sets the dashboard's session cookie and redirects") { request, _ in
            try AuthMiddleware.requireSameOrigin(request)
            let text = String(buffer: try await request.body.collect(upTo: 16 * 1024))
            guard let form = try? URLEncodedFormDecoder().decode(SignInForm.self, from: text) else {
                return page(next: "/", notice: "The form could not be read: send api_key.", status: .badRequest)
            }
            let next = Self.safeNext(form.next)
            guard !policy.apiKeyHashes.isEmpty else { return DashboardRoutes.redirect(next) }
            let key = form.api_key?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !key.isEmpty, let hash = policy.matchingKey(key) else {
                return page(next: next, notice: "That API key is not accepted.", status: .unauthorized)
            }
            let forwarded = request.headers[HTTPField.Name("X-Forwarded-Proto")!]
            if policy.sessions.secure, !Self.browserKeepsSecureCookie(authority: request.head.authority, forwardedProto: forwarded) {
                return page(
                    next: next,
                    notice: "This page is served over plain HTTP to another machine, where browsers drop the Secure session cookie. Serve the dashboard over HTTPS (a proxy setting X-Forwarded-Proto: https) or set DASHBOARD_COOKIE_SECURE=false.",
                    status: .badRequest)
            }
            let now = Int(Date().timeIntervalSince1970)
            let session = policy.sessions.issue(keyHash: hash, now: now)
            var response = DashboardRoutes.redirect(next)
            response.headers[.setCookie] = policy.sessions.setCookie(session, now: now)
            response.headers[.cacheControl] = "no-store"
            return response
        }
        registry.add(router, .post, "/dashboard/logout", summary: "Sign out (form: csrf_token): deletes the dashboard's session cookie") { request, _ in
            if DashboardSession.current != nil {
                let text = String(buffer: try await request.body.collect(upTo: 16 * 1024))
                let fields = (try? URLEncodedFormDecoder().decode([String: String].self, from: text)) ?? [:]
                try DashboardSession.verifyForm(fields["csrf_token"])
            }
            var response = DashboardRoutes.redirect("/dashboard/login?reason=signed_out")
            response.headers[.setCookie] = policy.sessions.setCookie(nil, now: Int(Date().timeIntervalSince1970))
            return response
        }
    }

    func page(next: String, notice: String?, status: HTTPResponse.Status) -> Response {
        let open = policy.apiKeyHashes.isEmpty
        let form: HTML = open
            ? "<p>Authentication is off (no <code>API_KEYS</code>): <a href=\"\(next)\">open the dashboard</a>.</p>"
            : """
            <form action="/dashboard/login" method="post" class="form-row" id="signin-form" aria-label="Sign in">
            <input type="hidden" name="next" value="\(next)">
            <label>API key <input type="password" name="api_key" id="signin-key" required maxlength="512" autocomplete="current-password" autofocus></label>
            <button type="submit" id="signin-button">Sign in</button>
            </form>
            <p class="muted">The key stays in this browser only as a signed, HTTP-only session cookie that ends after \(policy.sessions.lifetime / 3600) h, when you sign out, or when the key is removed from API_KEYS.</p>
            """
        var body: HTML = ""
        if let notice { body += "<p class=\"notice\" id=\"signin-notice\" role=\"status\">\(notice)</p>" }
        body += form
        return DashboardRoutes.html(Page.render(title: "Sign in", heading: "Sign in to Almanac", body: Page.section(id: "signin", title: "API key", body)), status: status)
    }

    /// Where to go after signing in: a path on this site only (`//evil.example` and `https://…` become `/`).
    static func safeNext(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\"),
              !raw.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }),
              !raw.hasPrefix("/dashboard/login"), !raw.hasPrefix("/dashboard/logout")
        else { return "/" }
        return raw
    }

    /// Browsers keep a `Secure` cookie over HTTPS and from loopback hosts (localhost, 127.0.0.1, ::1) only.
    static func browserKeepsSecureCookie(authority: String?, forwardedProto: String?) -> Bool {
        if forwardedProto?.lowercased() == "https" { return true }
        guard var host = authority?.lowercased() else { return true }
        if host.hasPrefix("[") { host = String(host.dropFirst().prefix { $0 != "]" }) } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        return host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.") || host == "::1"
    }
}
