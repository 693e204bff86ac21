import Config
import Crypto
import Foundation
import HTTPTypes

/// The dashboard's sign-in: a person presents an API key once at `/dashboard/login` and gets a cookie that
/// stands for that key until it expires. The cookie is `keyID.expiry.nonce.mac`: `keyID` is the first 16 hex
/// digits of the key's SHA-256, `mac` an HMAC-SHA256 under the process's session secret over the rest and the
/// key's whole digest. So the cookie cannot be forged or extended, and removing the key from `API_KEYS` (or
/// changing the secret) ends every session it opened; nothing is stored on the server.
public struct DashboardSessions: Sendable {
    public static let cookieName = "almanac_session"
    /// The HMAC key's bytes (`SymmetricKey` is not Sendable).
    let keyBytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: keyBytes) }
    let lifetime: Int
    let secure: Bool

    /// `secret` nil = 32 random bytes, valid for this process only.
    public init(secret: String?, lifetimeSeconds: Int = 8 * 3600, secure: Bool = true) {
        if let secret {
            keyBytes = Array(SHA256.hash(data: Array(("almanac-dashboard-session|" + secret).utf8)))
        } else {
            var generator = SystemRandomNumberGenerator()
            keyBytes = (0..<32).map { _ in generator.next() }
        }
        lifetime = lifetimeSeconds
        self.secure = secure
    }

    /// A session for the key whose digest is `keyHash`, valid from `now` for the lifetime.
    func issue(keyHash: String, now: Int) -> DashboardSession {
        var nonce = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for i in nonce.indices { nonce[i] = generator.next() }
        let payload = "\(keyHash.prefix(16)).\(now + lifetime).\(Self.base64URL(nonce))"
        let token = payload + "." + mac(payload, keyHash: keyHash)
        return DashboardSession(keyHash: keyHash, token: token, csrfToken: csrf(payload), expires: now + lifetime)
    }

    /// The session a cookie value stands for, or nil: malformed, signed by another secret, expired, or for a
    /// key that is no longer accepted.
    func verify(_ token: String, acceptedKeyHashes: [String], now: Int) -> DashboardSession? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].count == 16, let expires = Int(parts[1]), expires > now, token.utf8.count < 256 else { return nil }
        let payload = "\(parts[0]).\(parts[1]).\(parts[2])"
        var found: DashboardSession?
        for hash in acceptedKeyHashes where hash.hasPrefix(parts[0]) {
            if SHA256Hex.constantTimeEquals(mac(payload, keyHash: hash), String(parts[3])) {
                found = DashboardSession(keyHash: hash, token: token, csrfToken: csrf(payload), expires: expires)
            }
        }
        return found
    }

    /// The `Set-Cookie` value that stores `session` (or, for nil, deletes the cookie).
    func setCookie(_ session: DashboardSession?, now: Int) -> String {
        let attributes = "Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
        guard let session else { return "\(Self.cookieName)=; Max-Age=0; \(attributes)" }
        return "\(Self.cookieName)=\(session.token); Max-Age=\(max(0, session.expires - now)); \(attributes)"
    }

    /// The value of the session cookie in a `Cookie` header (`a=1; almanac_session=…`), if any.
    static func cookie(in header: String?) -> String? {
        guard let header else { return nil }
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " }
            if trimmed.hasPrefix(cookieName + "=") { return String(trimmed.dropFirst(cookieName.count + 1)) }
        }
        return nil
    }

    private func mac(_ payload: String, keyHash: String) -> String {
        Self.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Array(("session|" + payload + "|" + keyHash).utf8), using: key)))
    }

    private func csrf(_ payload: String) -> String {
        Self.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Array(("csrf|" + payload).utf8), using: key)))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A signed-in dashboard session: the key it stands for and the token its forms must send back.
public struct DashboardSession: Sendable {
    public let keyHash: String
    let token: String
    /// Sent by the dashboard's forms (`csrf_token`) and script (`X-CSRF-Token`); a cross-site page cannot read it.
    public let csrfToken: String
    let expires: Int
    /// Set when the request's `X-CSRF-Token` header was checked; forms without the header check their field.
    var headerChecked = false

    /// The session of the request being handled, when it was authenticated by the cookie (set by AuthMiddleware).
    @TaskLocal static var current: DashboardSession?

    /// For a form posted with the session cookie: its `csrf_token` field must be the session's token. Requests
    /// authenticated by an API key header (no ambient credential) and requests whose header was checked pass.
    static func verifyForm(_ field: String?) throws {
        guard let session = current, !session.headerChecked else { return }
        guard let field, SHA256Hex.constantTimeEquals(field, session.csrfToken) else {
            throw APIError(.forbidden, "the form's csrf_token is missing or does not match this session: reload the page and try again")
        }
    }
}

extension HTTPField.Name {
    static let csrfToken = Self("X-CSRF-Token")!
    static let secFetchSite = Self("Sec-Fetch-Site")!
}
