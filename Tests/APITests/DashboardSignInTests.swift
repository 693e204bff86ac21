@testable import API
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The dashboard with API keys on: sign in with a key, a signed HTTP-only SameSite cookie, CSRF tokens on
/// every unsafe request the cookie signs, sign-out, and what a forged, expired or revoked cookie gets.
@Suite("Dashboard sign-in", .serialized)
struct DashboardSignInTests {
    static let key = "dashboard-key-0123456789abcdef"
    static let env = ["API_KEYS": key, "ADMIN_TOKEN": "admin-secret-token", "DASHBOARD_SESSION_SECRET": String(repeating: "s3cr3t-", count: 6)]

    static func form(_ fields: [String: String]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let text = fields.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return ByteBuffer(string: text)
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Signs in through the form; the cookie (`name=value`) the answer sets.
    static func signIn(_ client: any TestClientProtocol, next: String = "/") async throws -> String {
        let response = try await client.execute(uri: "/dashboard/login", method: .post, headers: formHeaders, body: form(["api_key": key, "next": next]))
        #expect(response.status == .seeOther)
        let setCookie = try #require(response.headers[.setCookie])
        return String(setCookie.prefix { $0 != ";" })
    }

    /// The CSRF token a signed-in page carries in its `<meta name="csrf-token">`.
    static func csrfToken(_ page: TestResponse) throws -> String {
        let html = String(buffer: page.body)
        let marker = "<meta name=\"csrf-token\" content=\""
        let start = try #require(html.range(of: marker)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    @Test("a browser signs in with a key, uses the dashboard and the API by cookie, and signs out", arguments: Backend.allCases)
    func signInFlow(backend: Backend) async throws {
        let fx = try await APIFixture.make(backend, env: Self.env)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            // No credential: a browser page goes to the sign-in page, an API client gets 401.
            let page = try await client.execute(uri: "/dashboard/schedule", method: .get, headers: [.accept: "text/html"])
            #expect(page.status == .seeOther)
            #expect(page.headers[.location] == "/dashboard/login?next=/dashboard/schedule")
            #expect(try await client.get("/").status == .unauthorized)
            let login = try await client.get("/dashboard/login?next=/dashboard/schedule")
            #expect(login.status == .ok)
            #expect(String(buffer: login.body).contains("name=\"api_key\""))
            #expect(String(buffer: login.body).contains("value=\"/dashboard/schedule\""))

            // A wrong key: 401, no cookie.
            let wrong = try await client.execute(uri: "/dashboard/login", method: .post, headers: Self.formHeaders,
                                                 body: Self.form(["api_key": Self.key + "x", "next": "/"]))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil)
            #expect(String(buffer: wrong.body).contains("That API key is not accepted."))

            // The right key: a signed, HTTP-only, SameSite=Strict, Secure cookie with the configured lifetime.
            let response = try await client.execute(uri: "/dashboard/login", method: .post, headers: Self.formHeaders,
                                                    body: Self.form(["api_key": Self.key, "next": "/dashboard/schedule"]))
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/dashboard/schedule")
            let setCookie = try #require(response.headers[.setCookie])
            for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/", "Max-Age=28800"] {
                #expect(setCookie.contains(attribute), "Set-Cookie \(setCookie) lacks \(attribute)")
            }
            let cookie = String(setCookie.prefix { $0 != ";" })
            #expect(!cookie.contains(Self.key))

            // Signed in: pages, their sign-out form and token, and the API's reads.
            let home = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie, .accept: "text/html"])
            #expect(home.status == .ok)
            let token = try Self.csrfToken(home)
            let html = String(buffer: home.body)
            #expect(html.contains("id=\"signout-form\""))
            #expect(html.contains("<input type=\"hidden\" name=\"csrf_token\" value=\"\(token)\">"))
            #expect(try await client.execute(uri: "/categories", method: .get, headers: [.cookie: cookie]).status == .ok)

            // Unsafe requests by cookie need the token: header for the script's upload, field for the forms.
            let csv = Array(salesCSV(days: 30).utf8)
            let bare = try await client.execute(uri: "/upload", method: .post, headers: Multipart.headers + [.cookie: cookie], body: Multipart.body(file: csv))
            #expect(bare.status == .forbidden)
            #expect(bare.error.contains("X-CSRF-Token"))
            let forged = try await client.execute(uri: "/upload", method: .post, headers: Multipart.headers + [.cookie: cookie, .csrfToken: "x" + token],
                                                  body: Multipart.body(file: csv))
            #expect(forged.status == .forbidden)
            let formNoToken = try await client.execute(uri: "/dashboard/upload", method: .post, headers: Multipart.headers + [.cookie: cookie],
                                                       body: Multipart.body(file: csv))
            #expect(formNoToken.status == .forbidden)
            #expect(String(buffer: formNoToken.body).contains("csrf_token"))
            let crossSite = try await client.execute(uri: "/upload", method: .post,
                                                     headers: Multipart.headers + [.cookie: cookie, .csrfToken: token, .secFetchSite: "cross-site"],
                                                     body: Multipart.body(file: csv))
            #expect(crossSite.status == .forbidden)
            #expect(try await client.get("/invoice-data").status == .unauthorized)
            #expect(try fx.uploadedFiles().isEmpty, "a refused upload left a file")
            let scheduleNoToken = try await client.execute(uri: "/dashboard/schedule", method: .post, headers: Self.formHeaders + [.cookie: cookie],
                                                           body: Self.form(["session_id": "s", "entity": "e", "date": "2024-01-01"]))
            #expect(scheduleNoToken.status == .forbidden)

            let viaForm = try await client.execute(uri: "/dashboard/upload", method: .post, headers: Multipart.headers + [.cookie: cookie],
                                                   body: Multipart.body(file: csv, extraFields: ["csrf_token": token]))
            #expect(viaForm.status == .seeOther)
            #expect(viaForm.headers[.location]?.hasPrefix("/dashboard/batch?batch_num=") == true)
            let viaScript = try await client.execute(uri: "/upload", method: .post, headers: Multipart.headers + [.cookie: cookie, .csrfToken: token],
                                                     body: Multipart.body(file: Array(salesCSV(days: 31).utf8)))
            #expect(viaScript.status == .created)

            // Sign out: the token is needed, then the cookie is deleted.
            let outNoToken = try await client.execute(uri: "/dashboard/logout", method: .post, headers: Self.formHeaders + [.cookie: cookie], body: Self.form([:]))
            #expect(outNoToken.status == .forbidden)
            let out = try await client.execute(uri: "/dashboard/logout", method: .post, headers: Self.formHeaders + [.cookie: cookie],
                                               body: Self.form(["csrf_token": token]))
            #expect(out.status == .seeOther)
            #expect(out.headers[.location] == "/dashboard/login?reason=signed_out")
            #expect(out.headers[.setCookie]?.hasPrefix("almanac_session=; Max-Age=0") == true)
        }
    }

    @Test("a forged cookie is refused; an open redirect is not followed; the API key header still works")
    func forgedAndRedirects() async throws {
        let fx = try await APIFixture.make(.embedded, env: Self.env)
        defer { Task { await fx.close() } }
        try await fx.test { client in
            let cookie = try await Self.signIn(client)
            var tampered = Array(cookie)
            tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
            let page = try await client.execute(uri: "/dashboard/schedule", method: .get, headers: [.cookie: String(tampered), .accept: "text/html"])
            #expect(page.status == .seeOther)
            #expect(page.headers[.location] == "/dashboard/login?next=/dashboard/schedule&reason=expired")
            #expect(page.headers[.setCookie]?.contains("Max-Age=0") == true)
            let api = try await client.execute(uri: "/categories", method: .get, headers: [.cookie: String(tampered)])
            #expect(api.status == .unauthorized)
            #expect(api.error.contains("/dashboard/login"))
            for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/dashboard/logout"] {
                let r = try await client.execute(uri: "/dashboard/login", method: .post, headers: Self.formHeaders,
                                                 body: Self.form(["api_key": Self.key, "next": hostile]))
                #expect(r.headers[.location] == "/", "next=\(hostile) led to \(r.headers[.location] ?? "nil")")
            }
            let crossOrigin = try await client.execute(uri: "/dashboard/login", method: .post, headers: Self.formHeaders + [.origin: "https://evil.example"],
                                                       body: Self.form(["api_key": Self.key]))
            #expect(crossOrigin.status == .forbidden)
            #expect(try await client.execute(uri: "/categories", method: .get, headers: [.apiKey: Self.key]).status == .ok)
        }
    }

    @Test("a session ends when it expires, when its key leaves API_KEYS, or when the secret changes")
    func revocation() throws {
        let hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        let other = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
        let sessions = DashboardSessions(secret: String(repeating: "a", count: 32), lifetimeSeconds: 600)
        let session = sessions.issue(keyHash: hash, now: 1_000)
        #expect(sessions.verify(session.token, acceptedKeyHashes: [other, hash], now: 1_599)?.keyHash == hash)
        #expect(sessions.verify(session.token, acceptedKeyHashes: [hash], now: 1_599)?.csrfToken == session.csrfToken)
        #expect(sessions.verify(session.token, acceptedKeyHashes: [hash], now: 1_600) == nil, "expired")
        #expect(sessions.verify(session.token, acceptedKeyHashes: [other], now: 1_100) == nil, "key rotated out")
        let rotated = DashboardSessions(secret: String(repeating: "b", count: 32), lifetimeSeconds: 600)
        #expect(rotated.verify(session.token, acceptedKeyHashes: [hash], now: 1_100) == nil, "secret changed")
        // The expiry is signed: moving it later breaks the MAC.
        let parts = session.token.split(separator: ".")
        let extended = [String(parts[0]), "99999999999", String(parts[2]), String(parts[3])].joined(separator: ".")
        #expect(sessions.verify(extended, acceptedKeyHashes: [hash], now: 1_100) == nil)
        #expect(sessions.issue(keyHash: hash, now: 1_000).token != session.token, "each sign-in gets its own nonce")
        #expect(DashboardSessions.cookie(in: "a=1; almanac_session=xyz; b=2") == "xyz")
        #expect(DashboardSessions.cookie(in: "almanac_sessionx=1") == nil)
    }

    @Test("the Secure cookie is refused over plain HTTP to a host that is not loopback, with a message")
    func secureCookieHosts() {
        #expect(SignInRoutes.browserKeepsSecureCookie(authority: "127.0.0.1:8080", forwardedProto: nil))
        #expect(SignInRoutes.browserKeepsSecureCookie(authority: "localhost:8080", forwardedProto: nil))
        #expect(SignInRoutes.browserKeepsSecureCookie(authority: "[::1]:8080", forwardedProto: nil))
        #expect(!SignInRoutes.browserKeepsSecureCookie(authority: "almanac.example:8080", forwardedProto: nil))
        #expect(SignInRoutes.browserKeepsSecureCookie(authority: "almanac.example", forwardedProto: "https"))
    }
}

extension HTTPFields {
    static func + (lhs: HTTPFields, rhs: HTTPFields) -> HTTPFields {
        var out = lhs
        out.append(contentsOf: rhs)
        return out
    }
}
