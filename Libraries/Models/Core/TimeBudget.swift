/// A wall-clock limit on a model's search, e.g. the time a synchronous request may spend fitting: the
/// instant it runs out and how long it was (for the note that says a search was cut short).
///
/// A search looks at it between its steps (candidate fits, and BFGS iterations inside a fit), so it can
/// overrun by one step; a search that has no model yet finishes its first fit whatever the budget, so a
/// model comes back.
public struct TimeBudget: Sendable, Equatable, CustomStringConvertible {
    /// When the budget runs out, on the continuous clock.
    public let deadline: ContinuousClock.Instant
    /// How long the budget was when it started.
    public let duration: Duration

    /// A budget of `duration` from `start` (now by default).
    public init(_ duration: Duration, from start: ContinuousClock.Instant = .now) {
        self.duration = duration
        deadline = start.advanced(by: duration)
    }

    /// True once the deadline has passed.
    public var isExhausted: Bool { ContinuousClock.now >= deadline }

    /// "time budget of 20 s", "time budget of 0.5 s": how notes name it.
    public var description: String {
        let (seconds, attoseconds) = duration.components
        let value = Double(seconds) + Double(attoseconds) * 1e-18
        let rounded = (value * 1000).rounded() / 1000
        let text = rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : String(rounded)
        return "time budget of \(text) s"
    }
}
