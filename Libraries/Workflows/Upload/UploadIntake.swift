import Foundation
import Config
import Logging
import Store
import Jobs

/// A sales CSV received into the upload directory under a temporary name, with its SHA-256 and size.
public struct IncomingUpload: Sendable {
    public var tempPath: String
    public var filename: String
    public var sha256: String
    public var size: Int

    public init(tempPath: String, filename: String, sha256: String, size: Int) {
        self.tempPath = tempPath
        self.filename = filename
        self.sha256 = sha256
        self.size = size
    }
}

/// The upload use case: a received file is checked, recorded as an upload with its ETL job in one transaction, and
/// the job queued. Every upload takes this path (seed 003's `POST /upload`, the dashboard's form, seed 002's Excel
/// files). The file system calls run on `io`, never on the caller's event loop.
public struct UploadIntake: Sendable {
    public let runtime: AlmanacRuntime
    public let io: any BlockingIO

    public init(runtime: AlmanacRuntime, io: any BlockingIO) {
        self.runtime = runtime
        self.io = io
    }

    /// Refuses (`.invalid`) a file whose name or head is not a sales CSV's. The file is left in place: the caller,
    /// who may refuse it for reasons of its own too, removes it (``discard(_:)``).
    public func check(_ upload: IncomingUpload) async throws {
        if let problem = Self.fileNameProblem(upload.filename) { throw WorkflowError.invalid(problem) }
        if let problem = try await io.run({ SalesFileCheck.problem(path: upload.tempPath) }) {
            throw WorkflowError.invalid(problem)
        }
    }

    /// Removes a received file that will not be recorded.
    public func discard(_ upload: IncomingUpload) async {
        let path = upload.tempPath
        try? await io.run { _ = unlink(path) }
    }

    /// Records a checked upload and queues its ETL job; the batch number. The temporary file is always gone
    /// afterwards. A repeated file throws `.conflict` with the original's `batch_num`, unless that batch failed:
    /// then the file is accepted again as a new batch (a retry, e.g. with `on_error=skip`).
    public func record(_ upload: IncomingUpload, onError: OnError, requestID: String, logger: Logger) async throws -> String {
        let directory = runtime.config.uploadDirectory
        let tempPath = upload.tempPath
        let named = "\(FileNames.stem(of: upload.filename))_\(Int(Date().timeIntervalSince1970))_\(upload.sha256.prefix(8))"
        // A file whose batch failed may come again; in the same second it would get the failed batch's name, so
        // the retries are numbered. Two retries at once pick the same name and the store accepts one of them.
        var batchNum = named
        do {
            var attempt = 1
            while try await runtime.store.upload(batchNum: batchNum)?.status == .failed {
                attempt += 1
                batchNum = "\(named)-retry\(attempt)"
            }
        } catch {
            await discard(upload)
            throw error
        }
        let storedFilename = batchNum + ".csv"
        let finalPath = directory + "/" + storedFilename
        // link(2) never replaces: a file of the same name (same stem, second and hash prefix) is the same upload.
        try await io.run {
            defer { _ = unlink(tempPath) }
            guard link(tempPath, finalPath) == 0 || errno == EEXIST else {
                throw WorkflowError(.unavailable, "could not store the upload")
            }
        }
        let job = ETLJob(batchNum: batchNum, storedFilename: storedFilename).job(requestID: requestID)
        let result: UploadInsertResult
        do {
            result = try await runtime.store.insertUpload(
                NewUpload(batchNum: batchNum, originalFilename: FileNames.recorded(upload.filename), storedFilename: storedFilename,
                          fileHash: upload.sha256, onError: onError, requestID: requestID),
                job: job)
        } catch {
            try? await io.run { _ = unlink(finalPath) }
            throw error
        }
        switch result {
        case .duplicate(let original):
            // Same name means the original's own file: keep it.
            if original != batchNum { try? await io.run { _ = unlink(finalPath) } }
            throw WorkflowError(.conflict, "duplicate file", fields: ["batch_num": original])
        case .accepted:
            await runtime.push(job)
            logger.info("upload accepted", metadata: ["batch.num": "\(batchNum)", "bytes": "\(upload.size)"])
            return batchNum
        }
    }

    /// A file name no file system produces (NUL or other control characters, more than 255 bytes), or one whose
    /// last extension says it is not CSV text (`sales.csv.exe`), is refused. A path in the name is dropped, not
    /// refused (RFC 7578 §4.2): the stored name is always Almanac's own.
    public static func fileNameProblem(_ name: String) -> String? {
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return "the file name contains NUL or control characters"
        }
        if name.utf8.count > 255 { return "the file name is \(name.utf8.count) bytes long; the limit is 255" }
        let base = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? name
        // Seed 003 takes `.csv` files only, matched without regard to case.
        guard let dot = base.lastIndex(of: "."), base.index(after: dot) < base.endIndex else {
            return "the file name \"\(base.prefix(60))\" has no extension: a sales file is .csv"
        }
        let ext = base[base.index(after: dot)...].lowercased()
        guard ext == "csv" else { return "the file name \"\(base.prefix(60))\" ends in .\(ext.prefix(20)): a sales file is .csv" }
        return nil
    }
}

/// Makes a client-supplied file name safe: no path, only [A-Za-z0-9_-] in a bounded stem.
public enum FileNames {
    public static func stem(of name: String) -> String {
        var base = Substring(name)
        if let slash = base.lastIndex(where: { $0 == "/" || $0 == "\\" }) { base = base[base.index(after: slash)...] }
        if let dot = base.firstIndex(of: ".") { base = base[..<dot] }
        var out = ""
        for scalar in base.unicodeScalars {
            if out.count >= 60 { break }
            if (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9") || scalar == "_" || scalar == "-" {
                out.unicodeScalars.append(scalar)
            } else if !out.hasSuffix("_") {
                out += "_"
            }
        }
        while out.hasPrefix("_") || out.hasPrefix("-") { out.removeFirst() }
        while out.hasSuffix("_") { out.removeLast() }
        return out.isEmpty ? "upload" : out
    }

    /// The original name as recorded: control characters dropped, at most 255 characters.
    public static func recorded(_ name: String) -> String {
        let clean = String(String.UnicodeScalarView(name.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }))
        return clean.isEmpty ? "upload.csv" : String(clean.prefix(255))
    }
}
