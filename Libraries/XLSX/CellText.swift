import Foundation

/// Small parsers for the text inside cells and references.
enum CellText {
    /// Excel's largest column, `XFD`.
    static let maxColumns = 16_384
    /// Excel's largest row number.
    static let maxRows = 1_048_576

    /// The zero-based column of a reference such as `C5` (2) or `AA10` (26); `nil` when the reference
    /// does not start with letters or names a column past `XFD`.
    static func columnIndex(ofReference reference: String) -> Int? {
        var column = 0
        var letters = 0
        for byte in reference.utf8 {
            let letter: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): letter = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): letter = byte - UInt8(ascii: "a")
            case UInt8(ascii: "$") where letters == 0: continue
            default:
                return letters == 0 ? nil : column - 1
            }
            column = column * 26 + Int(letter) + 1
            letters += 1
            if column > maxColumns { return nil }
        }
        return letters == 0 ? nil : column - 1
    }

    /// Decodes the `_xHHHH_` escapes OOXML uses for characters XML cannot hold (`_x000D_` is a carriage
    /// return, `_x005F_` a literal underscore).
    static func unescape(_ text: String) -> String {
        guard text.contains("_x") else { return text }
        let units = Array(text.utf16)
        var output: [UInt16] = []
        output.reserveCapacity(units.count)
        var index = 0
        while index < units.count {
            if units[index] == 0x5F, index + 6 < units.count, units[index + 1] == 0x78, units[index + 6] == 0x5F,
               let value = hexValue(units[(index + 2)..<(index + 6)]) {
                output.append(value)
                index += 7
            } else {
                output.append(units[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF16.self)
    }

    private static func hexValue(_ digits: ArraySlice<UInt16>) -> UInt16? {
        var value: UInt16 = 0
        for unit in digits {
            guard let scalar = Unicode.Scalar(unit), let digit = Character(scalar).hexDigitValue else { return nil }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Parses the ISO 8601 text of a `t="d"` cell (`2025-03-01`, `2025-03-01T12:30:00`, with optional
    /// fractional seconds and a zone designator, which is ignored) into a 1900-system serial.
    static func serial(fromISODate text: String) -> Double? {
        let fields = text.split(whereSeparator: { "-T:Z+ ".contains($0) }).prefix(6)
        guard fields.count == 3 || fields.count >= 5,
              let year = Int(fields[fields.startIndex]),
              let month = Int(fields[fields.startIndex + 1]), (1...12).contains(month),
              let day = Int(fields[fields.startIndex + 2]), (1...31).contains(day) else { return nil }
        var seconds = 0.0
        if fields.count >= 5 {
            let rest = Array(fields.dropFirst(3))
            guard let hour = Double(rest[0]), let minute = Double(rest[1]) else { return nil }
            let second = rest.count > 2 ? Double(rest[2]) ?? 0 : 0
            seconds = hour * 3600 + minute * 60 + second
        }
        let days = Double(daysFromCivil(year: year, month: month, day: day)) + seconds / 86_400
        return XLSXDateSystem.from1900.serial(from: .init(timeIntervalSince1970: days * 86_400))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
