// The small, structured parts of a workbook, as XMLCoder decodes them. Element and attribute names are
// those of ECMA-376 (SpreadsheetML and Open Packaging Conventions); only what the reader uses is
// declared, the rest of each part is skipped. Namespace prefixes on elements (`<x:sheet>`) are removed
// by the decoder. Worksheets and the shared string table, which grow with the data, are streamed
// instead (StreamingXML.swift).

/// `_rels/.rels` or `xl/_rels/workbook.xml.rels`.
struct RelationshipsPart: Decodable {
    struct Relationship: Decodable {
        let id: String
        /// A URI naming the kind of part, ending in `/worksheet`, `/sharedStrings`, `/styles`, `/officeDocument`….
        let type: String
        let target: String
        /// `External` for links outside the package.
        let targetMode: String?

        enum CodingKeys: String, CodingKey {
            case id = "Id", type = "Type", target = "Target", targetMode = "TargetMode"
        }
    }

    let relationships: [Relationship]?

    enum CodingKeys: String, CodingKey {
        case relationships = "Relationship"
    }
}

/// `xl/workbook.xml`.
struct WorkbookPart: Decodable {
    struct Properties: Decodable {
        let date1904: String?
    }

    struct Sheets: Decodable {
        let sheet: [Sheet]?
    }

    struct Sheet: Decodable {
        let name: String
        /// The relationship id (`r:id`) naming the sheet's part in the workbook's relationships.
        let relationshipID: String?

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            name = try container.decode(String.self, forKey: Key(stringValue: "name"))
            // The attribute is `r:id` in every file seen, but the prefix is only a namespace alias.
            let idKey = container.allKeys.first { $0.stringValue == "r:id" }
                ?? container.allKeys.first { $0.stringValue.hasSuffix(":id") }
            relationshipID = try idKey.flatMap { try container.decode(String.self, forKey: $0) }
        }
    }

    let workbookPr: Properties?
    let sheets: Sheets?
}

/// `xl/styles.xml`: the custom number formats and the cell formats that refer to them.
struct StylesPart: Decodable {
    struct NumberFormats: Decodable {
        let numFmt: [NumberFormat]?
    }

    struct NumberFormat: Decodable {
        let numFmtId: Int
        let formatCode: String
    }

    struct CellFormats: Decodable {
        let xf: [CellFormat]?
    }

    struct CellFormat: Decodable {
        let numFmtId: Int?
    }

    let numFmts: NumberFormats?
    let cellXfs: CellFormats?
}
