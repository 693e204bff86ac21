import Hummingbird

/// Seed 000's admin check for its `/api/session/*` admin routes: the `X-Admin-Token` header against the
/// process's one admin token (`ADMIN_TOKEN`, or the ephemeral token `AccessPolicy.make` generated and
/// logged at start), compared in constant time.
struct AdminTokenCheck: Sendable {
    let policy: AccessPolicy

    /// Throws 401 unless the request carries the token in `X-Admin-Token`.
    func require(_ request: Request) throws {
        guard let given = request.headers[.adminToken], !given.isEmpty else {
            throw APIError(.unauthorized, "missing X-Admin-Token header")
        }
        guard policy.isAdmin(given) else { throw APIError(.unauthorized, "invalid admin token") }
    }
}
