import Foundation
import Testing
@testable import Workflows

/// What the jobs' progress is measured against: the ETL's line count, and the forecast's models done.
@Suite struct ProgressTests {
    @Test func lineCountCountsTheLastLineWithOrWithoutANewline() throws {
        let dir = NSTemporaryDirectory() + "almanac-lines-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // More than one 1 MiB read: 300,000 lines of 8 bytes.
        let big = String(repeating: "a,b,c,d\n", count: 300_000)
        for (name, text, lines) in [("a", "h\n1\n2\n", 3), ("b", "h\n1\n2", 3), ("c", "", 0), ("d", big, 300_000)] {
            try text.write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8)
            #expect(ETLHandler.lineCount(path: "\(dir)/\(name)") == lines, "\(name)")
        }
        #expect(ETLHandler.lineCount(path: "\(dir)/missing") == 0)
    }

    @Test func theForecastReportsEachModelAsItFinishes() async throws {
        let values: [Double] = (0..<120).map { (t: Int) -> Double in
            let season: Double = 10 * sin(Double(t) * 2 * Double.pi / 7)
            return 50 + season + Double(t % 5)
        }
        let seen = ProgressLog()
        let runs = try await ForecastEngine.run(values: values, startDay: 19_723, options: .init(horizon: 7, backtestWindows: 2)) { done, total in
            await seen.add(done, total)
        }
        #expect(runs.count == 5)
        // Four fitted models (auto is made from them): 1/4 … 4/4, in order.
        #expect(await seen.entries.map(\.0) == [1, 2, 3, 4])
        #expect(await seen.entries.allSatisfy { $0.1 == 4 })
    }
}

actor ProgressLog {
    var entries: [(Int, Int)] = []
    func add(_ done: Int, _ total: Int) { entries.append((done, total)) }
}
