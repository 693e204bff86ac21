/// The column positions of the sales CSV (`Date,product_id,category,sales`) found in a header.
///
/// Names match case-insensitively with surrounding blanks ignored, in any order; other columns
/// are allowed and ignored. A missing required column or a required column given twice is an error.
public struct SalesHeader: Sendable, Equatable {
    /// The required columns, as the sales platform spells them.
    public static let requiredColumns = ["Date", "product_id", "category", "sales"]

    public let date: Int
    public let productID: Int
    public let category: Int
    public let sales: Int
    /// The number of columns in the header.
    public let columnCount: Int

    public init(date: Int, productID: Int, category: Int, sales: Int, columnCount: Int) {
        self.date = date
        self.productID = productID
        self.category = category
        self.sales = sales
        self.columnCount = columnCount
    }

    /// The number of fields a row needs for every required column to be present.
    public var minimumFieldCount: Int {
        max(date, productID, category, sales) + 1
    }

    /// Resolves the header's column names; errors are reported on `line` (the header's line).
    /// Throws `CSVError` "missing columns: category, sales" or "duplicate column: sales".
    public static func resolve(_ header: [String], line: Int = 1) throws -> SalesHeader {
        let wanted = requiredColumns.map { $0.lowercased() }
        var found = [Int](repeating: -1, count: wanted.count)
        for (index, raw) in header.enumerated() {
            let name = trimBlanks(raw).lowercased()
            guard let k = wanted.firstIndex(of: name) else { continue }
            if found[k] >= 0 {
                throw CSVError(line: line, message: "duplicate column: \(requiredColumns[k])")
            }
            found[k] = index
        }
        let missing = requiredColumns.indices.filter { found[$0] < 0 }.map { requiredColumns[$0] }
        if !missing.isEmpty {
            throw CSVError(line: line, message: "missing columns: \(missing.joined(separator: ", "))")
        }
        return SalesHeader(date: found[0], productID: found[1], category: found[2], sales: found[3], columnCount: header.count)
    }

    /// Resolves the header record handed out by `CSVReader` (errors carry its line).
    public static func resolve(_ record: CSVRecord) throws -> SalesHeader {
        try resolve(record.strings(), line: record.line)
    }

    private static func trimBlanks(_ s: String) -> Substring {
        var sub = Substring(s)
        while let c = sub.first, c == " " || c == "\t" || c == "\u{FEFF}" { sub.removeFirst() }
        while let c = sub.last, c == " " || c == "\t" { sub.removeLast() }
        return sub
    }
}
