import Foundation
/// Which cell styles format numbers as dates, from `xl/styles.xml`.
struct DateStyles: Sendable {
    /// Built-in number formats that show a date or time (ECMA-376 Part 1, 18.8.30):
    /// 14–17 dates, 18–21 times, 22 date and time, 45–47 minutes and seconds.
    static let builtInDateFormatIDs: Set<Int> = Set(14...22).union(45...47)

    /// `isDate[s]` tells whether the cell format (`<xf>`) with index `s` is a date format.
    private let isDate: [Bool]

    /// No styles part: every number is a plain number.
    static let none = DateStyles(isDate: [])

    init(isDate: [Bool]) {
        self.isDate = isDate
    }

    /// Reads the cell formats of a styles part.
    init(_ styles: StylesPart) {
        var customCodes: [Int: String] = [:]
        for format in styles.numFmts?.numFmt ?? [] {
            customCodes[format.numFmtId] = format.formatCode
        }
        isDate = (styles.cellXfs?.xf ?? []).map { xf in
            let id = xf.numFmtId ?? 0
            if let code = customCodes[id] { return Self.isDateFormat(code) }
            return Self.builtInDateFormatIDs.contains(id)
        }
    }

    /// Whether the style index `s` of a cell (absent means 0) is a date format.
    func isDate(style: Int?) -> Bool {
        let index = style ?? 0
        return isDate.indices.contains(index) && isDate[index]
    }

    /// Whether a format code shows a date or time: it has a `d`, `m`, `y`, `h` or `s` outside quoted
    /// text (`"руб."`), brackets (`[Red]`, `[$-419]`), and escaped (`\d`), padding (`_)`) or fill (`*-`)
    /// characters.
    static func isDateFormat(_ code: String) -> Bool {
        if code.caseInsensitiveCompare("General") == .orderedSame { return false }
        var inQuotes = false
        var inBrackets = false
        var skipNext = false
        for character in code {
            if skipNext {
                skipNext = false
                continue
            }
            if inQuotes {
                if character == "\"" { inQuotes = false }
                continue
            }
            if inBrackets {
                if character == "]" { inBrackets = false }
                continue
            }
            switch character {
            case "\"": inQuotes = true
            case "[": inBrackets = true
            case "\\", "_", "*": skipNext = true
            case "d", "D", "m", "M", "y", "Y", "h", "H", "s", "S": return true
            default: break
            }
        }
        return false
    }
}
