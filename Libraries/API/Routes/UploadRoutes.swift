import Foundation
import Config
import Logging
import Hummingbird
import NIOPosix
import Workflows
import Store

/// `POST /upload` (seed 003): the body streamed to disk while hashed, then checked, deduplicated and queued by
/// `UploadIntake`.
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

    /// Receives the multipart body and hands the file to the `UploadIntake` workflow; the accepted batch number.
    /// A repeated file is the workflow's `.conflict` (a 409 whose `batch_num` names the original batch).
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
        let intake = UploadIntake(runtime: runtime, io: ThreadPoolIO(io))
        let upload = IncomingUpload(tempPath: received.tempPath, filename: received.filename, sha256: received.sha256, size: received.size)
        do {
            // The dashboard's form signed in by cookie proves itself with its csrf_token field (no-op otherwise).
            try DashboardSession.verifyForm(received.fields["csrf_token"])
            try await intake.check(upload)
            // The dashboard's form sends on_error as a form field; the query parameter wins when both are given.
            if query.raw("on_error") == nil, let raw = received.fields["on_error"] {
                guard let mode = OnError(rawValue: raw) else { throw APIError.badRequest("on_error must be fail or skip (got \"\(raw.prefix(40))\")") }
                onError = mode
            }
        } catch {
            await intake.discard(upload)
            throw error
        }
        return try await intake.record(upload, onError: onError, requestID: context.requestID, logger: context.logger)
    }
}
