import ArgumentParser
import Foundation

/// Times one file end to end: from the start of `POST /upload` to the batch's status `completed`
/// (or `failed`), polling `GET /metadata/{batch_num}`. Prints one JSON object.
struct ETLRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etl", abstract: "Upload a file to a running upload-api and time it until the batch completes.")

    @Option(help: "Base URL of upload-api.") var url = "http://127.0.0.1:8000"
    @Option(help: "The CSV file to upload.") var file: String
    @Option(help: "Data rows in the file (for rows/s).") var rows: Int
    @Option(help: "Give up after this many seconds.") var timeout = 3600.0
    @Option(help: "Polling interval in seconds.") var poll = 0.1

    func run() throws {
        let start = now()
        let answer = try curl(["-s", "-X", "POST", "\(url)/upload", "-F", "file=@\(file)"])
        let uploaded = now()
        guard let accepted = try JSONSerialization.jsonObject(with: answer) as? [String: Any],
            let batch = accepted["batch_num"] as? String
        else { throw BenchError("upload answered \(String(decoding: answer, as: UTF8.self))") }
        var record: [String: Any] = [:]
        while true {
            let body = try curl(["-s", "\(url)/metadata/\(batch)"])
            record = (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:]
            let status = record["status"] as? String ?? ""
            if status == "completed" || status == "failed" { break }
            guard now() - start < timeout else { throw BenchError("batch \(batch) not done after \(timeout) s") }
            Thread.sleep(forTimeInterval: poll)
        }
        let seconds = now() - start
        let result: [String: Any] = [
            "batch_num": batch,
            "status": record["status"] ?? "",
            "rows": rows,
            "seconds": seconds,
            "upload_seconds": uploaded - start,
            "rows_per_second": Double(rows) / seconds,
            "num_inserted_rows": record["num_inserted_rows"] ?? NSNull(),
            "num_imputed_rows": record["num_imputed_rows"] ?? NSNull(),
            "num_missing_rows": record["num_missing_rows"] ?? NSNull(),
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        if record["status"] as? String != "completed" {
            throw BenchError("batch \(batch) ended \(record["status"] ?? "?"): \(record["error_log"] ?? "")")
        }
    }

    private func curl(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("curl \(arguments) exited \(process.terminationStatus)") }
        return data
    }
}
