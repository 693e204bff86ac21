import Foundation

/// Seeded SplitMix64: the generated files are the same on every machine.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Monotonic wall-clock seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// CPU seconds used by this process (all threads). The benchmarks share a busy machine, where wall-clock
/// time mostly measures the other processes: single-threaded fits are timed in CPU time on both sides.
func cpuNow() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// A small CSV reader for the data files (plain fields, no quoting: the shared data files have none
/// in the columns read here; descriptions are ignored by only reading the leading columns).
func readCSV(_ path: String) throws -> (header: [String], rows: [[String]]) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(whereSeparator: \.isNewline).map(String.init)
    guard !lines.isEmpty else { throw BenchError("\(path): empty file") }
    let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    return (header, lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) })
}

func writeJSONLines<T: Encodable>(_ values: [T], to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var out = Data()
    for v in values {
        out.append(try encoder.encode(v))
        out.append(0x0A)
    }
    try out.write(to: URL(fileURLWithPath: path))
}

func readJSONLines<T: Decodable>(_ type: T.Type, from path: String) throws -> [T] {
    let data = try String(contentsOfFile: path, encoding: .utf8)
    let decoder = JSONDecoder()
    return try data.split(separator: "\n").map { try decoder.decode(T.self, from: Data($0.utf8)) }
}

func fmt(_ v: Double, _ digits: Int = 3) -> String {
    v.isFinite ? String(format: "%.\(digits)f", v) : "n/a"
}
