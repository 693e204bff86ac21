#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A test hook for the fault tests (scripts/e2e/faults.py): with `ALMANAC_CRASH_AT` set, the process dies
/// with `_exit(137)` (what SIGKILL looks like to a supervisor) at the named points of a job's life, with
/// probability `ALMANAC_CRASH_PROBABILITY` (default 0.1) at each. Unset, as in production, `hit()` reads one
/// constant and returns. Before dying it writes `crash point <name>` to stderr so the test counts its hits.
///
/// `ALMANAC_CRASH_AT` is a comma-separated list of the raw values below (or `all`), each optionally with its
/// own probability: `after_take:0.2,mid_copy:0.35,after_commit`.
public enum CrashPoint: String, Sendable, CaseIterable {
    /// A consumer has just moved a message into its processing list (any queue).
    case afterTake = "after_take"
    /// ETL: rows are streaming into the COPY; the transaction is open.
    case midCopy = "mid_copy"
    /// ETL: the batch's transaction committed; its forecast jobs are recorded but not pushed.
    case beforeForecastPush = "before_forecast_push"
    /// ETL: committed and pushed; the job is not yet recorded finished nor the message acknowledged.
    case afterCommit = "after_commit"

    private static let settings: [String: Double]? = {
        guard let raw = getenv("ALMANAC_CRASH_AT").map({ String(cString: $0) }), !raw.isEmpty else { return nil }
        let fallback = getenv("ALMANAC_CRASH_PROBABILITY").flatMap { Double(String(cString: $0)) } ?? 0.1
        var points: [String: Double] = [:]
        for item in raw.split(separator: ",") {
            let parts = item.split(separator: ":", maxSplits: 1)
            let probability = min(1, max(0, parts.count == 2 ? Double(parts[1]) ?? fallback : fallback))
            let names = parts[0] == "all" ? allCases.map(\.rawValue) : [String(parts[0])]
            for name in names { points[name] = probability }
        }
        return points
    }()

    /// `ALMANAC_CRASH_ON_JOB`: the id of a job whose every delivery kills the process as soon as it is taken
    /// (a poison message; the fault tests check it is dead-lettered after 3 deliveries).
    private static let poisonJobID: String? = getenv("ALMANAC_CRASH_ON_JOB").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }

    /// A consumer has just taken the message of `jobID`: `afterTake`, and the poison job's certain death.
    public static func taken(jobID: String) {
        afterTake.hit()
        if let poison = poisonJobID, poison == jobID { die("poison") }
    }

    /// Whether any crash point is armed in this process.
    public static var isArmed: Bool { settings != nil }

    /// Dies here with the configured probability when this point is armed.
    public func hit() {
        guard let probability = Self.settings?[rawValue], Double.random(in: 0..<1) < probability else { return }
        Self.die(rawValue)
    }

    private static func die(_ name: String) -> Never {
        let line = "crash point \(name)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        _exit(137)
    }
}
