/// The byte between a record's fields: a comma (RFC 4180), a semicolon (the spreadsheet export of locales whose
/// decimal mark is a comma) or a tab, named by the caller or sniffed from the header.
public enum CSVSeparator: Sendable, Equatable {
    case comma, semicolon, tab
    /// Read from the file's first record: whichever of `,`, `;` and tab occurs most often outside quotes;
    /// a comma when none does, and on a tie the first of comma, semicolon, tab.
    case sniff

    /// The byte of a named separator; nil for `.sniff`.
    public var byte: UInt8? {
        switch self {
        case .comma: return 0x2C
        case .semicolon: return 0x3B
        case .tab: return 0x09
        case .sniff: return nil
        }
    }

    /// The separator a header line uses. `header` starts at the first record (after a byte order mark and empty
    /// lines); the scan stops at the first line ending outside quotes. Returns nil when `header` ends before that
    /// line ending and `complete` is false (more bytes are needed to decide).
    public static func sniff(_ header: UnsafeBufferPointer<UInt8>, complete: Bool) -> UInt8? {
        var comma = 0, semicolon = 0, tab = 0
        var quoted = false
        var ended = false
        for c in header {
            if c == 0x22 {
                quoted.toggle()
            } else if !quoted {
                if c == 0x0A || c == 0x0D {
                    ended = true
                    break
                }
                if c == 0x2C { comma += 1 } else if c == 0x3B { semicolon += 1 } else if c == 0x09 { tab += 1 }
            }
        }
        if !ended && !complete { return nil }
        if semicolon > comma && semicolon >= tab { return 0x3B }
        if tab > comma && tab > semicolon { return 0x09 }
        return 0x2C
    }
}
