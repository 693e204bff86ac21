import Foundation
import XMLCoder
import ZIPFoundation

/// The ZIP container of a workbook: its parts, found by name as the Open Packaging Conventions
/// say (case-insensitively), decompressed with a size limit and decoded from XML.
struct PartArchive {
    private let archive: Archive
    /// Entries by lowercased path.
    private let entries: [String: Entry]
    private let maxPartSize: Int

    init(data: Data, maxPartSize: Int) throws {
        if data.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            throw XLSXError.legacyExcelFormat
        }
        // Every ZIP file starts with a local file header, "PK\u{3}\u{4}"; checking it spares ZIPFoundation
        // a search for an end record in, say, a CSV file.
        guard data.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { throw XLSXError.notAZipFile }
        let archive: Archive
        do {
            archive = try Archive(data: data, accessMode: .read, pathEncoding: nil)
        } catch {
            throw XLSXError.notAZipFile
        }
        var entries: [String: Entry] = [:]
        for entry in archive where entry.type == .file {
            let key = entry.path.lowercased()
            if entries[key] == nil { entries[key] = entry }
        }
        self.archive = archive
        self.entries = entries
        self.maxPartSize = maxPartSize
    }

    /// Whether the archive has a part at `path`.
    func contains(_ path: String) -> Bool {
        entries[path.lowercased()] != nil
    }

    /// The bytes of the part at `path`, or `nil` when there is none.
    func data(of path: String) throws -> Data? {
        guard let entry = entries[path.lowercased()] else { return nil }
        guard entry.uncompressedSize <= UInt64(maxPartSize) else {
            throw XLSXError.partTooLarge(part: path, limit: maxPartSize)
        }
        var data = Data()
        data.reserveCapacity(Int(entry.uncompressedSize))
        do {
            _ = try archive.extract(entry) { chunk in
                // The declared size may lie; count what actually comes out.
                guard data.count + chunk.count <= maxPartSize else {
                    throw XLSXError.partTooLarge(part: path, limit: maxPartSize)
                }
                data.append(chunk)
            }
        } catch let error as XLSXError {
            throw error
        } catch {
            throw XLSXError.corruptPart(path)
        }
        return data
    }

    /// The part at `path` decoded as `type`, or `nil` when there is no such part.
    func decode<Part: Decodable>(_ type: Part.Type, at path: String) throws -> Part? {
        guard let data = try data(of: path) else { return nil }
        // Whitespace is significant in cell text; namespace prefixes are not.
        let decoder = XMLDecoder(trimValueWhitespaces: false)
        decoder.shouldProcessNamespaces = true
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw XLSXError.malformedXML(part: path, reason: Self.reason(for: error))
        }
    }

    /// The relationships of the part at `path` (`xl/workbook.xml` → `xl/_rels/workbook.xml.rels`),
    /// with targets resolved to part paths; external targets are left out.
    func relationships(of path: String) throws -> [String: (type: String, path: String)] {
        var components = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let name = components.popLast() ?? ""
        let relsPath = (components + ["_rels", name + ".rels"]).joined(separator: "/")
        let part = try decode(RelationshipsPart.self, at: relsPath)
        var result: [String: (type: String, path: String)] = [:]
        for relationship in part?.relationships ?? [] where relationship.targetMode != "External" {
            result[relationship.id] = (relationship.type, Self.resolve(relationship.target, from: path))
        }
        return result
    }

    /// The path of a relationship's target: absolute (`/xl/worksheets/sheet1.xml`) or relative to the
    /// directory of the part that refers to it (`worksheets/sheet1.xml`, `../media/a.png`).
    static func resolve(_ target: String, from sourcePath: String) -> String {
        let target = target.removingPercentEncoding ?? target
        var components: [Substring] = target.hasPrefix("/") ? [] : sourcePath.split(separator: "/").dropLast()
        for component in target.split(separator: "/") {
            switch component {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(component)
            }
        }
        return components.joined(separator: "/")
    }

    /// A short account of a decoding failure.
    private static func reason(for error: any Error) -> String {
        guard let error = error as? DecodingError else {
            // XMLCoder passes XMLParser's errors on as they come, with a code and nothing else.
            let error = error as NSError
            if error.domain == "NSXMLParserErrorDomain" {
                return "invalid XML, parser error \(error.code)"
            }
            return String(describing: error)
        }
        switch error {
        case .dataCorrupted(let context):
            return context.debugDescription
        case .keyNotFound(let key, let context):
            return "\(location(context.codingPath + [key])) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "unexpected value at \(location(context.codingPath))"
        @unknown default:
            return String(describing: error)
        }
    }

    private static func location(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? "<\($0.stringValue)>" }.joined()
    }
}
