public import Store

/// The jobs of one piece of work seen together (a batch's forecast jobs, a training run's): how many are done,
/// failed, running or waiting, and their mean progress. The dashboard's live view and seed 002's training run
/// read the same summary.
public struct JobGroup: Sendable, Equatable {
    /// How many jobs the work has; a job not created yet counts as waiting with progress 0.
    public var total: Int
    public var completed = 0, skipped = 0, failed = 0, running = 0
    /// The mean of every job's progress, the missing ones at 0.
    public var progress: Double
    public var firstCreated: String?
    public var lastUpdated: String?
    /// The failed jobs' errors, in the jobs' order.
    public var errors: [String] = []

    public init(_ jobs: [JobRecord], expected: Int? = nil) {
        total = max(expected ?? jobs.count, jobs.count)
        for job in jobs {
            switch job.status {
            case .completed: completed += 1
            case .skipped: skipped += 1
            case .failed:
                failed += 1
                if let e = job.error { errors.append(e) }
            case .running: running += 1
            case .queued: break
            }
        }
        progress = total == 0 ? 0 : jobs.reduce(0.0) { $0 + $1.progress } / Double(total)
        firstCreated = jobs.map(\.createdAt).min()
        lastUpdated = jobs.map(\.updatedAt).max()
    }

    /// Completed or skipped (their data unchanged): nothing left to do.
    public var done: Int { completed + skipped }
    public var waiting: Int { total - done - failed - running }
}
