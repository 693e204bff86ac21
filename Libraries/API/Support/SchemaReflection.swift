import Foundation

/// Types that describe their own JSON Schema, for the few whose `Decodable` conformance cannot be walked
/// (dictionaries with arbitrary keys, enums whose raw values the walk cannot guess).
protocol SchemaDescribing {
    static var jsonSchema: [String: Any] { get }
}

extension Dictionary: SchemaDescribing where Key == String, Value: Decodable {
    static var jsonSchema: [String: Any] {
        ["type": "object", "additionalProperties": JSONSchemaReflection.schema(of: Value.self)]
    }
}

/// The JSON Schema (OpenAPI 3.1's dialect) of a `Decodable` type, found by decoding one value from a decoder
/// that records what it is asked for: each key a keyed container is asked for is a property (required unless
/// asked with `decodeIfPresent`), an unkeyed container is an array of what its element decodes to, a single
/// value is its primitive. So the document describes the very types the handlers encode, and a field added
/// to a response type is in the document without a second edit. Encoding mirrors decoding for the
/// synthesized conformances these types use; a type whose decoding the walk cannot complete (a validating
/// `init(from:)`) is described as any object.
enum JSONSchemaReflection {
    static func schema(of type: any Decodable.Type) -> [String: Any] {
        (try? reflect(type)) ?? ["type": "object"]
    }

    /// The schema, or the error that stopped the walk (a string enum without ``SchemaEnumerable``, say).
    static func reflect(_ type: any Decodable.Type) throws -> [String: Any] {
        if let described = type as? any SchemaDescribing.Type { return described.jsonSchema }
        if let enumerated = type as? any SchemaEnumerable.Type { return ["type": "string", "enum": enumerated.schemaCases] }
        let recorder = Recorder()
        _ = try type.init(from: recorder)
        return recorder.node.schema
    }

    /// What one decoded value turned out to be.
    final class Node {
        enum Kind { case unknown, string, integer, number, boolean, object, array, fixed([String: Any]) }
        var kind: Kind = .unknown
        var properties: [(name: String, node: Node, required: Bool)] = []
        var items: Node?

        var schema: [String: Any] {
            switch kind {
            case .unknown: return [:]
            case .string: return ["type": "string"]
            case .integer: return ["type": "integer"]
            case .number: return ["type": "number"]
            case .boolean: return ["type": "boolean"]
            case .fixed(let s): return s
            case .array: return ["type": "array", "items": items?.schema ?? [:]]
            case .object:
                var props: [String: Any] = [:]
                for p in properties {
                    // An optional property may also be written as null by a hand-written encoder.
                    props[p.name] = p.required ? p.node.schema : Self.nullable(p.node.schema)
                }
                var out: [String: Any] = ["type": "object", "properties": props]
                let required = properties.filter(\.required).map(\.name)
                if !required.isEmpty { out["required"] = required }
                return out
            }
        }

        static func nullable(_ schema: [String: Any]) -> [String: Any] {
            if let t = schema["type"] as? String { var s = schema; s["type"] = [t, "null"]; return s }
            if let ts = schema["type"] as? [String] { var s = schema; s["type"] = ts.contains("null") ? ts : ts + ["null"]; return s }
            if schema.isEmpty { return schema }
            return ["anyOf": [schema, ["type": "null"]]]
        }
    }

    struct ReflectionError: Error {}

    final class Recorder: Decoder {
        let node: Node
        var codingPath: [any CodingKey] = []
        var userInfo: [CodingUserInfoKey: Any] = [:]

        init(node: Node = Node()) { self.node = node }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            node.kind = .object
            return KeyedDecodingContainer(Keyed<Key>(node: node))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            node.kind = .array
            let items = Node()
            node.items = items
            return Unkeyed(items: items)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(node: node) }

        /// A value of `type` for the caller to go on with, its schema recorded in `node`.
        static func value<T: Decodable>(_ type: T.Type, into node: Node) throws -> T {
            if let described = type as? any SchemaDescribing.Type {
                node.kind = .fixed(described.jsonSchema)
                return try T(from: Recorder(node: Node()))
            }
            if let enumerated = type as? any SchemaEnumerable.Type {
                node.kind = .fixed(["type": "string", "enum": enumerated.schemaCases])
                guard let first = enumerated.schemaFirst as? T else { throw ReflectionError() }
                return first
            }
            switch type {
            case is String.Type: node.kind = .string; return "" as! T
            case is Bool.Type: node.kind = .boolean; return false as! T
            case is Int.Type: node.kind = .integer; return 0 as! T
            case is Int64.Type: node.kind = .integer; return Int64(0) as! T
            case is Int32.Type: node.kind = .integer; return Int32(0) as! T
            case is UInt64.Type: node.kind = .integer; return UInt64(0) as! T
            case is Double.Type: node.kind = .number; return 0.0 as! T
            case is Float.Type: node.kind = .number; return Float(0) as! T
            default: return try T(from: Recorder(node: node))
            }
        }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let node: Node
        var codingPath: [any CodingKey] = []
        var allKeys: [Key] { [] }

        func contains(_ key: Key) -> Bool { true }
        func decodeNil(forKey key: Key) throws -> Bool { false }

        func child(_ key: Key, required: Bool) -> Node {
            if let existing = node.properties.first(where: { $0.name == key.stringValue }) { return existing.node }
            let n = Node()
            node.properties.append((key.stringValue, n, required))
            return n
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try Recorder.value(type, into: child(key, required: true))
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            try Recorder.value(type, into: child(key, required: false))
        }

        // The protocol's own defaults for these go through `decode`, which would mark the key required.
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try Recorder.value(type, into: child(key, required: false)) }
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try Recorder.value(type, into: child(key, required: false)) }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try Recorder.value(type, into: child(key, required: false)) }
        func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try Recorder.value(type, into: child(key, required: false)) }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try Recorder.value(type, into: child(key, required: false)) }
        func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try Recorder.value(type, into: child(key, required: false)) }
        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try Recorder.value(type, into: child(key, required: false)) }
        func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try Recorder.value(type, into: child(key, required: false)) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            let n = child(key, required: true)
            n.kind = .object
            return KeyedDecodingContainer(Keyed<NestedKey>(node: n))
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            let n = child(key, required: true)
            n.kind = .array
            let items = Node()
            n.items = items
            return Unkeyed(items: items)
        }

        func superDecoder() throws -> any Decoder { Recorder(node: node) }
        func superDecoder(forKey key: Key) throws -> any Decoder { Recorder(node: child(key, required: true)) }
    }

    /// An array of one element: the element's decoding records the items' schema.
    struct Unkeyed: UnkeyedDecodingContainer {
        let items: Node
        var codingPath: [any CodingKey] = []
        var count: Int? { 1 }
        var currentIndex = 0
        var isAtEnd: Bool { currentIndex >= 1 }

        init(items: Node) { self.items = items }

        mutating func decodeNil() throws -> Bool { false }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            currentIndex += 1
            return try Recorder.value(type, into: items)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            currentIndex += 1
            items.kind = .object
            return KeyedDecodingContainer(Keyed<NestedKey>(node: items))
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            currentIndex += 1
            items.kind = .array
            let inner = Node()
            items.items = inner
            return Unkeyed(items: inner)
        }

        mutating func superDecoder() throws -> any Decoder { Recorder(node: items) }
    }

    struct Single: SingleValueDecodingContainer {
        let node: Node
        var codingPath: [any CodingKey] = []
        func decodeNil() -> Bool { false }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try Recorder.value(type, into: node) }
    }
}

/// String enums the walk describes by their cases.
protocol SchemaEnumerable {
    static var schemaCases: [String] { get }
    static var schemaFirst: Any { get }
}

extension SchemaEnumerable where Self: CaseIterable & RawRepresentable, RawValue == String {
    static var schemaCases: [String] { allCases.map(\.rawValue) }
    static var schemaFirst: Any { allCases.first! }
}
