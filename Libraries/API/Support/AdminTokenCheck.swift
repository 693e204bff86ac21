import Crypto
import Foundation
import Hummingbird
import Logging

/// Seed 000's admin token: `ADMIN_TOKEN`, or an ephemeral token generated and logged at start when unset.
/// Compared in constant time through SHA-256 digests. (Self-contained for the schedule routes; a shared
/// admin-token check from the ops work can replace it.)
struct AdminTokenCheck: Sendable {
    let digest: [UInt8]

    init(configured: String?, logger: Logger) {
        let token: String
        if let configured {
            token = configured
            logger.info("admin token loaded from ADMIN_TOKEN")
        } else {
            var bytes = [UInt8](repeating: 0, count: 32)
            var rng = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
            token = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            logger.warning("development mode: ephemeral admin token generated", metadata: ["admin_token": "\(token)"])
            logger.warning("for production, define ADMIN_TOKEN")
        }
        digest = Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// Throws 401 unless the request carries the token in `X-Admin-Token`.
    func require(_ request: Request) throws {
        guard let given = request.headers[.init("X-Admin-Token")!], !given.isEmpty else {
            throw APIError(.unauthorized, "missing X-Admin-Token header")
        }
        let candidate = Array(SHA256.hash(data: Data(given.utf8)))
        var diff: UInt8 = 0
        for (a, b) in zip(candidate, digest) { diff |= a ^ b }
        guard diff == 0 else { throw APIError(.unauthorized, "invalid admin token") }
    }
}
