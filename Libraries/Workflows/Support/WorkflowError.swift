/// The one error a workflow throws for a request it cannot carry out: what kind of refusal it is, a message that
/// names the problem for the client, and any fields the client reads beside it (a duplicate upload's `batch_num`).
/// Workflows know nothing of HTTP; the API's error middleware maps the kind to a status in one place.
public struct WorkflowError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        /// The input breaks a rule: a bad file name, a file that is not a sales CSV, a value out of range.
        case invalid
        /// What the request names does not exist.
        case notFound
        /// The request repeats or contradicts what is stored: the same file twice.
        case conflict
        /// The input is larger than a configured limit.
        case tooLarge
        /// The caller has not shown who it is (no session, or one that expired).
        case unauthorized
        /// The caller has used up a quota; ``WorkflowError/retryAfterSeconds`` says when to come back.
        case rateLimited
        /// The work was tried on valid input and could not be done: a fit that failed on the data it was given.
        case failed
        /// The work did not finish in the time allowed; it goes on, and ``WorkflowError/fields`` name the job.
        case timedOut
        /// The work could not be done here and now: storage refused a write, a dependency is down.
        case unavailable
    }

    public var kind: Kind
    public var message: String
    public var fields: [String: String]
    /// For `.rateLimited`: seconds until the quota has room again.
    public var retryAfterSeconds: Int?

    public init(_ kind: Kind, _ message: String, fields: [String: String] = [:], retryAfterSeconds: Int? = nil) {
        self.kind = kind
        self.message = message
        self.fields = fields
        self.retryAfterSeconds = retryAfterSeconds
    }

    public static func invalid(_ message: String) -> WorkflowError { WorkflowError(.invalid, message) }
    public static func notFound(_ message: String) -> WorkflowError { WorkflowError(.notFound, message) }

    public var description: String { "\(kind.rawValue): \(message)" }
}
