import Foundation
import Config
import Logging
import Hummingbird
import NIOPosix
import Workflows
import Store

/// `POST /upload` (seed 003): streamed to disk while hashed, head checked, deduplicated by SHA-256, queued for ETL.
struct UploadRoutes {
    let runtime: AlmanacRuntime
    let io: NIOThreadPool

    func register(on router: Router<AlmanacContext>, registry: RouteRegistry) {
        registry.add(router, .post, "/upload", summary: "Upload a sales CSV (multipart field \"file\")", response: [String: String].self, status: 201) { request, context in
            try await upload(request, context: context)
        }
    }

    func upload(_ request: Request, context: AlmanacContext) async throws -> Response {
        let batchNum = try await accept(request, context: context)
        return try JSONResponse.make(["message": "file accepted", "batch_num": batchNum], status: .created)
    }

    /// Receives, checks and records the upload and queues its ETL job; the accepted batch number.
    /// A repeated file throws a 409 `APIError` whose `batch_num` names the original batch, unless that batch
    /// failed: then the file is accepted again as a new batch (a retry, e.g. with `on_error=skip`).
    func accept(_ request: Request, context: AlmanacContext) async throws -> String {
        let config = runtime.config
        if let encoding = request.headers[.contentEncoding], encoding.lowercased() != "identity" {
            throw APIError(.unsupportedMediaType, "compressed request bodies (Content-Encoding: \(encoding.prefix(40))) are not accepted")
        }
        let boundary = try MultipartReceiver.boundary(contentType: request.headers[.contentType])
        var onError = OnError.fail
        let query = try QueryParams(request, allowed: ["on_error"])
        if let raw = query.raw("on_error") {
            guard let mode = OnError(rawValue: String(raw)) else { throw APIError.badRequest("on_error must be fail or skip (got \"\(raw.prefix(40))\")") }
            onError = mode
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > config.maxUploadBytes + 64 * 1024 {
            throw APIError(.contentTooLarge, "request body of \(length) bytes is larger than the limit of \(config.maxUploadBytes) bytes (MAX_UPLOAD_BYTES)")
        }
        let directory = config.uploadDirectory
        let receiver = MultipartReceiver(boundary: boundary, directory: directory, maxBytes: config.maxUploadBytes, io: io)
        let received = try await receiver.receive(request.body)
        let tempPath = received.tempPath
        do {
            // The dashboard's form signed in by cookie proves itself with its csrf_token field (no-op otherwise).
            try DashboardSession.verifyForm(received.fields["csrf_token"])
            if let problem = Self.fileNameProblem(received.filename) { throw APIError.badRequest(problem) }
            if let problem = try await io.runIfActive({ SalesFileCheck.problem(path: tempPath) }) {
                throw APIError.badRequest(problem)
            }
            // The dashboard's form sends on_error as a form field; the query parameter wins when both are given.
            if query.raw("on_error") == nil, let raw = received.fields["on_error"] {
                guard let mode = OnError(rawValue: raw) else { throw APIError.badRequest("on_error must be fail or skip (got \"\(raw.prefix(40))\")") }
                onError = mode
            }
        } catch {
            try? await io.runIfActive { _ = unlink(tempPath) }
            throw error
        }
        return try await intake(
            tempPath: tempPath, filename: received.filename, sha256: received.sha256, size: received.size, onError: onError, context: context)
    }

    /// Records a checked sales CSV waiting at `tempPath` (in the upload directory) as an upload and queues its ETL
    /// job: the one path every upload takes (this route, the dashboard's form, seed 002's Excel files).
    /// The temporary file is always gone afterwards; a repeated file throws the 409 described at `accept`.
    func intake(tempPath: String, filename: String, sha256: String, size: Int, onError: OnError, context: AlmanacContext) async throws -> String {
        let directory = runtime.config.uploadDirectory
        let stem = FileNames.stem(of: filename)
        let named = "\(stem)_\(Int(Date().timeIntervalSince1970))_\(sha256.prefix(8))"
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
            try? await io.runIfActive { _ = unlink(tempPath) }
            throw error
        }
        let storedFilename = batchNum + ".csv"
        let finalPath = directory + "/" + storedFilename
        // link(2) never replaces: a file of the same name (same stem, second and hash prefix) is the same upload.
        try await io.runIfActive {
            defer { _ = unlink(tempPath) }
            guard link(tempPath, finalPath) == 0 || errno == EEXIST else {
                throw APIError(.internalServerError, "could not store the upload")
            }
        }
        let job = ETLJob.make(batchNum: batchNum, storedFilename: storedFilename, requestID: context.requestID)
        let result: UploadInsertResult
        do {
            result = try await runtime.store.insertUpload(
                NewUpload(batchNum: batchNum, originalFilename: FileNames.recorded(filename), storedFilename: storedFilename,
                          fileHash: sha256, onError: onError, requestID: context.requestID),
                job: job)
        } catch {
            try? await io.runIfActive { _ = unlink(finalPath) }
            throw error
        }
        switch result {
        case .duplicate(let original):
            // Same name means the original's own file: keep it.
            if original != batchNum { try? await io.runIfActive { _ = unlink(finalPath) } }
            throw APIError(.conflict, "duplicate file", extra: ["batch_num": original])
        case .accepted:
            await runtime.push(job)
            context.logger.info("upload accepted", metadata: ["batch.num": "\(batchNum)", "bytes": "\(size)"])
            return batchNum
        }
    }

    /// A file name no file system produces (NUL or other control characters, more than 255 bytes), or one whose
    /// last extension says it is not CSV text (`sales.csv.exe`), is refused. A path in the name is dropped, not
    /// refused (RFC 7578 §4.2): the stored name is always Almanac's own.
    static func fileNameProblem(_ name: String) -> String? {
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
