import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Event-driven reading for the parts that grow with the data (worksheets, the shared string table).
///
/// Those are read with `XMLParser(stream:)`, not XMLCoder: XMLCoder can only hand `XMLParser` the whole
/// part as `Data`, and on Linux `XMLParser(data:)` gives up on input past 10 MB (libxml2's "huge input
/// lookup" limit, surfacing as parser error 1), which a 20,000-row sheet passes; it also builds a tree
/// of the whole part before decoding. Reading events keeps one row in hand at a time.
enum StreamingXML {
    /// Runs `handler` over the XML in `data`; element names arrive without namespace prefixes.
    /// Throws the handler's own error if it stopped the parse, otherwise ``XLSXError/malformedXML(part:reason:)``.
    static func parse(_ data: Data, part: String, handler: some StreamingXMLHandler & XMLParserDelegate) throws {
        let parser = XMLParser(stream: InputStream(data: data))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = handler
        let finished = parser.parse()
        if let error = handler.failure { throw error }
        guard finished else {
            let code = (parser.parserError as NSError?)?.code ?? 0
            throw XLSXError.malformedXML(
                part: part, reason: "invalid XML near line \(parser.lineNumber), parser error \(code)")
        }
    }
}

/// The base of parser delegates that can stop the parse with an error of their own.
///
/// Subclasses conform to `XMLParserDelegate` themselves: on Linux the protocol is a plain Swift protocol
/// with default implementations, so if the base class conformed, the defaults would be its witnesses and
/// a subclass's methods would never be called.
class StreamingXMLHandler: NSObject {
    /// The error that stopped the parse, if the handler stopped it.
    private(set) var failure: XLSXError?

    /// Records `error` and stops the parse.
    func fail(_ error: XLSXError, _ parser: XMLParser) {
        if failure == nil { failure = error }
        parser.abortParsing()
    }
}

/// Collects the text of a shared string (`<si>`) or an inline string (`<is>`): its `<t>`, or the `<t>`
/// of each rich-text run, leaving out phonetic runs (`<rPh>`).
struct RichTextCollector {
    private(set) var text = ""
    private var inText = false
    private var phoneticDepth = 0

    mutating func start(_ element: String) {
        switch element {
        case "rPh": phoneticDepth += 1
        case "t": inText = phoneticDepth == 0
        default: break
        }
    }

    mutating func end(_ element: String) {
        switch element {
        case "rPh": phoneticDepth -= 1
        case "t": inText = false
        default: break
        }
    }

    mutating func characters(_ string: String) {
        if inText { text += string }
    }

    /// The collected text with `_xHHHH_` escapes decoded; empties the collector.
    mutating func take() -> String {
        defer { self = RichTextCollector() }
        return CellText.unescape(text)
    }
}

/// Reads `xl/sharedStrings.xml` into an array of strings.
final class SharedStringsHandler: StreamingXMLHandler, XMLParserDelegate {
    private(set) var strings: [String] = []
    private var item: RichTextCollector?

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if elementName == "si" {
            item = RichTextCollector()
        } else {
            item?.start(elementName)
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == "si", var finished = item {
            strings.append(finished.take())
            item = nil
        } else {
            item?.end(elementName)
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        item?.characters(string)
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        item?.characters(String(decoding: CDATABlock, as: UTF8.self))
    }
}
