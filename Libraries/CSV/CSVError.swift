/// An error found while reading or interpreting a CSV file.
///
/// `line` is the 1-based physical line of the file the problem belongs to (for a quoted
/// field that spans lines, the line where the field started); `0` when the problem has
/// no line (the file could not be opened or read).
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    /// `"line 7: unterminated quoted field"`, or just the message when `line` is 0.
    public var description: String {
        line > 0 ? "line \(line): \(message)" : message
    }
}
