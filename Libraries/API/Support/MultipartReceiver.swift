import Config
import Crypto
import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import NIOPosix

/// Streams a `multipart/form-data` body: the `file` part goes to a temporary file in the upload folder while
/// its SHA-256 is computed, so memory does not grow with the file's size; small text fields are kept.
/// Reading stops at the first byte over the limit.
final class MultipartReceiver {
    struct Received {
        var tempPath: String
        var filename: String
        var size: Int
        var sha256: String
        var fields: [String: String]
    }

    private let parser: MultipartParser
    private var headerGuard: MultipartHeaderGuard
    private let directory: String
    private let maxBytes: Int
    private let fileField: String
    private let io: NIOThreadPool

    private var partHeaders: [String: String] = [:]
    private var partKind: PartKind = .undecided
    private var fields: [String: String] = [:]
    private var fieldBuffer: [UInt8] = []
    private var filename: String?
    private var fileSeen = false
    private var fileComplete = false
    private var hasher = SHA256()
    private var size = 0
    private var pending: [UInt8] = []
    private var fd: Int32 = -1
    private(set) var tempPath: String
    private var failure: APIError?

    enum PartKind { case undecided, file, field(String), ignored }

    static let flushThreshold = 1 << 20
    static let maxFieldBytes = 64 * 1024
    static let maxFields = 32

    init(boundary: String, directory: String, maxBytes: Int, fileField: String = "file", io: NIOThreadPool) {
        parser = MultipartParser(boundary: boundary)
        headerGuard = MultipartHeaderGuard(boundary: boundary)
        self.directory = directory
        self.maxBytes = maxBytes
        self.fileField = fileField
        self.io = io
        tempPath = directory + "/.incoming-" + UUID().uuidString.lowercased()
        parser.onHeader = { [unowned self] name, value in self.partHeaders[name.lowercased()] = value }
        parser.onBody = { [unowned self] buffer in self.body(&buffer) }
        parser.onPartComplete = { [unowned self] in self.partComplete() }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Extracts the boundary of a multipart/form-data content type, or throws 415/400.
    static func boundary(contentType: String?) throws -> String {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw APIError(.unsupportedMediaType, "expected a multipart/form-data body with a \"file\" field (got \(contentType.map { "\"\($0.prefix(100))\"" } ?? "no Content-Type"))")
        }
        for part in contentType.split(separator: ";") {
            let kv = part.trimmingCharacters(in: .whitespaces)
            if kv.lowercased().hasPrefix("boundary=") {
                var b = String(kv.dropFirst("boundary=".count))
                if b.hasPrefix("\"") && b.hasSuffix("\"") && b.count >= 2 { b = String(b.dropFirst().dropLast()) }
                guard !b.isEmpty, b.count <= 200 else { break }
                return b
            }
        }
        throw APIError.badRequest("multipart/form-data without a boundary")
    }

    func receive(_ body: RequestBody) async throws -> Received {
        do {
            for try await chunk in body {
                try headerGuard.scan(chunk)
                do {
                    try parser.execute(chunk)
                } catch {
                    throw APIError.badRequest("malformed multipart body")
                }
                if let failure { throw failure }
                if pending.count >= Self.flushThreshold { try await flush() }
            }
            try await flush()
            guard fileSeen else { throw APIError.badRequest("the form has no \"\(fileField)\" field") }
            guard fileComplete else { throw APIError.badRequest("truncated multipart body: the \"\(fileField)\" part never ended") }
            try await closeFile()
            return Received(tempPath: tempPath, filename: filename ?? "upload.csv", size: size,
                            sha256: SHA256Hex.hex(hasher.finalize()), fields: fields)
        } catch {
            try? await closeFile()
            let path = tempPath
            try? await io.runIfActive { _ = unlink(path) }
            throw error
        }
    }

    private func decide() {
        guard case .undecided = partKind else { return }
        let disposition = partHeaders["content-disposition"] ?? ""
        let name = Self.parameter("name", in: disposition)
        if name == fileField {
            if fileSeen {
                failure = APIError.badRequest("the form has more than one \"\(fileField)\" field")
                partKind = .ignored
                return
            }
            fileSeen = true
            filename = Self.parameter("filename", in: disposition) ?? "upload.csv"
            partKind = .file
        } else if let name, fields.count < Self.maxFields {
            partKind = .field(name)
            fieldBuffer = []
        } else {
            partKind = .ignored
        }
    }

    private func body(_ buffer: inout ByteBuffer) {
        decide()
        switch partKind {
        case .file:
            let n = buffer.readableBytes
            size += n
            if size > maxBytes {
                failure = APIError(.contentTooLarge, "file is larger than the limit of \(maxBytes) bytes (MAX_UPLOAD_BYTES)")
                return
            }
            buffer.withUnsafeReadableBytes { raw in
                hasher.update(bufferPointer: raw)
                pending.append(contentsOf: raw)
            }
        case .field(let name):
            if fieldBuffer.count + buffer.readableBytes > Self.maxFieldBytes {
                failure = APIError.badRequest("form field \"\(name.prefix(50))\" is longer than \(Self.maxFieldBytes) bytes")
                return
            }
            fieldBuffer.append(contentsOf: buffer.readableBytesView)
        case .undecided, .ignored:
            break
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
    }

    private func partComplete() {
        decide()
        switch partKind {
        case .file: fileComplete = true
        case .field(let name): fields[name] = String(decoding: fieldBuffer, as: UTF8.self)
        default: break
        }
        partHeaders = [:]
        partKind = .undecided
    }

    private func flush() async throws {
        guard !pending.isEmpty || fd < 0 else { return }
        let data = pending
        pending.removeAll(keepingCapacity: true)
        let path = tempPath
        let currentFD = fd
        fd = try await io.runIfActive { () throws -> Int32 in
            var handle = currentFD
            if handle < 0 {
                handle = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
                guard handle >= 0 else { throw APIError(.internalServerError, "cannot write to the upload folder") }
            }
            var offset = 0
            while offset < data.count {
                let written = data.withUnsafeBytes { write(handle, $0.baseAddress! + offset, data.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    close(handle)
                    throw APIError(.init(code: 507, reasonPhrase: "Insufficient Storage"), "could not store the upload (disk full?)")
                }
                offset += written
            }
            return handle
        }
    }

    private func closeFile() async throws {
        guard fd >= 0 else { return }
        let handle = fd
        fd = -1
        try await io.runIfActive { _ = fsync(handle); close(handle) }
    }

    /// Reads `name="value"` (or unquoted) from a Content-Disposition header.
    static func parameter(_ key: String, in header: String) -> String? {
        for part in header.split(separator: ";") {
            let kv = part.trimmingCharacters(in: .whitespaces)
            guard let eq = kv.firstIndex(of: "=") else { continue }
            guard kv[..<eq].lowercased() == key else { continue }
            var v = String(kv[kv.index(after: eq)...])
            if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 { v = String(v.dropFirst().dropLast()) }
            return v
        }
        return nil
    }
}
