import Foundation
import NIOCore

/// Follows a multipart body's structure just far enough to find the part header names, and refuses a
/// name byte outside ASCII before the bytes reach `MultipartParser`: multipart-kit 4.7.1 indexes a
/// 128-entry table with the byte and traps on anything above 0x7F, taking the whole process down
/// (found by schemathesis). Header values (a UTF-8 `filename`, say) and part bodies are not inspected.
struct MultipartHeaderGuard {
    private enum State {
        case preamble(matched: Int), body(matched: Int), afterBoundary(seenByte: Bool), headerName(lineStart: Bool), headerValue, headersEnd, epilogue
    }

    private let delimiter: [UInt8]
    private var state: State

    init(boundary: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        state = .preamble(matched: 0)
    }

    /// Throws when `chunk` puts a non-ASCII byte into a part header name.
    mutating func scan(_ chunk: ByteBuffer) throws {
        try chunk.withUnsafeReadableBytes { try scan($0) }
    }

    private mutating func scan(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        var index = 0
        while index < bytes.count {
            if case .body(matched: 0) = state {
                // Part bodies are nearly all of an upload: jump to the next byte that can start the delimiter
                // (measured: the byte-by-byte walk was 45 % of the CPU of receiving a 35 MB upload).
                guard let found = memchr(base + index, Int32(delimiter[0]), bytes.count - index) else { return }
                index = UnsafeRawPointer(found) - base
            }
            let byte = bytes[index]
            index += 1
            switch state {
            case .preamble(let matched):
                // As the parser does: the first boundary may come without the CRLF before it.
                let next = matched == 0 && byte == delimiter[2] ? 3 : (byte == delimiter[matched] ? matched + 1 : (byte == delimiter[0] ? 1 : 0))
                state = next == delimiter.count ? .afterBoundary(seenByte: false) : .preamble(matched: next)
            case .body(let matched):
                let next = byte == delimiter[matched] ? matched + 1 : (byte == delimiter[0] ? 1 : 0)
                state = next == delimiter.count ? .afterBoundary(seenByte: false) : .body(matched: next)
            case .afterBoundary(let seenByte):
                // As the parser does: a "-" right after a boundary closes the body, and what follows is an
                // epilogue it ignores; otherwise the part's headers start on the next line.
                if byte == UInt8(ascii: "-") && !seenByte {
                    state = .epilogue
                } else if byte == UInt8(ascii: "\n") {
                    state = .headerName(lineStart: true)
                } else {
                    state = .afterBoundary(seenByte: true)
                }
            case .headerName(let lineStart):
                if lineStart && byte == UInt8(ascii: "\r") {
                    state = .headersEnd
                } else if byte == UInt8(ascii: ":") {
                    state = .headerValue
                } else if byte >= 0x80 {
                    throw APIError.badRequest("malformed multipart body: a part header name holds a non-ASCII byte")
                } else {
                    state = .headerName(lineStart: false)
                }
            case .headerValue:
                if byte == UInt8(ascii: "\n") { state = .headerName(lineStart: true) }
            case .headersEnd:
                state = .body(matched: 0)
            case .epilogue:
                return
            }
        }
    }
}
