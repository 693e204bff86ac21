@testable import API
import NIOCore
import Testing

/// The guard jumps over part bodies to the next CR: whatever way a body is cut into chunks, it finds a
/// non-ASCII header name after a body full of near-delimiters, and passes a clean body.
@Suite("Multipart header guard")
struct MultipartHeaderGuardTests {
    static let boundary = "XyZ-boundary"

    static func body(secondHeaderName: [UInt8]) -> [UInt8] {
        var bytes = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n".utf8)
        // A body with CRs, CRLFs, dashes and a boundary prefix, none of them a full delimiter.
        bytes += Array("a,b\r\nc\r\r\n-\r\n--\r\n--XyZ-bound\r\n--XyZ-boundarx é\r\n".utf8)
        bytes += Array("\r\n--\(boundary)\r\n".utf8) + secondHeaderName + Array(": x\r\n\r\nv\r\n--\(boundary)--\r\n".utf8)
        return bytes
    }

    static func scan(_ bytes: [UInt8], chunk: Int) throws {
        var guardian = MultipartHeaderGuard(boundary: boundary)
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            try guardian.scan(ByteBuffer(bytes: bytes[start..<end]))
            start = end
        }
    }

    @Test(arguments: [1, 2, 3, 5, 7, 16, 4096])
    func findsANonASCIIHeaderNameWhateverTheChunks(_ chunk: Int) throws {
        #expect(throws: APIError.self) { try Self.scan(Self.body(secondHeaderName: Array("Na".utf8) + [0xC3, 0xA9]), chunk: chunk) }
        try Self.scan(Self.body(secondHeaderName: Array("Name".utf8)), chunk: chunk)
    }
}
