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
        /// The work could not be done here and now: storage refused a write, a dependency is down.
        case unavailable
    }

    public var kind: Kind
    public var message: String
    public var fields: [String: String]

    public init(_ kind: Kind, _ message: String, fields: [String: String] = [:]) {
        self.kind = kind
        self.message = message
        self.fields = fields
    }

    public static func invalid(_ message: String) -> WorkflowError { WorkflowError(.invalid, message) }
    public static func notFound(_ message: String) -> WorkflowError { WorkflowError(.notFound, message) }

    public var description: String { "\(kind.rawValue): \(message)" }
}
