public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Structured logs: one JSON object per line (default) or plain text, on stderr.
public enum AlmanacLogging {
    public static func bootstrap(level: String, format: String, service: String) {
        let lvl = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == "text"
                ? StreamLogHandler.standardError(label: label) as any LogHandler
                : JSONLogHandler(label: label, service: service)
            handler.logLevel = lvl
            return handler
        }
    }

    /// Prints one line naming the configuration problem and exits with status 2.
    public static func exitWithConfigurationError(_ error: any Error, service: String) -> Never {
        let line = "\(service): \(error)\n"
        writeStandardError(line)
        exit(2)
    }
}

/// A log handler writing one JSON object per line: time, level, service, label, message and metadata.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    let service: String

    public init(label: String, service: String) {
        self.label = label
        self.service = service
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var line = "{\"ts\":\(ts.tv_sec).\(String(ts.tv_nsec / 1_000_000).leftPadded(3)),\"level\":\"\(event.level.rawValue)\",\"service\":\(Self.quote(service)),\"logger\":\(Self.quote(label)),\"msg\":\(Self.quote(event.message.description))"
        for key in merged.keys.sorted() {
            line += ",\(Self.quote(key)):\(Self.quote(merged[key]!.description))"
        }
        line += "}\n"
        writeStandardError(line)
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += "\\u00" + String(scalar.value, radix: 16).leftPadded(2) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// Writes to file descriptor 2 without touching the C `stderr` global (not concurrency-safe in Swift 6).
public func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if n <= 0 { return }
        offset += n
    }
}
