// CSV writing (SPEC §10): RFC 4180 quoting, `\n` line ends, and neutralisation of text
// that a spreadsheet program would run as a formula. Works on UTF-8 bytes, no Foundation,
// because exports and fee-line files run to millions of rows.

import MallCore

/// One CSV field.
public enum CSVCell: Sendable, Equatable {
    /// Free text (ids, names, SKUs, dates): neutralised against formula injection and quoted
    /// as needed.
    case text(String)
    /// An already-formatted plain number (`-15.60`, `3`), written as-is: never neutralised,
    /// never quoted. Only digits, `-` and `.` are allowed (a programmer error otherwise).
    case number(String)
    /// An empty field.
    case empty
}

/// Encodes rows of `CSVCell`s.
///
/// Text rules, in order: a text that begins with `=`, `+`, `-`, `@`, tab or carriage return
/// gets a leading `'` (SPEC §10), then a text containing a comma, a quote, CR or LF is
/// enclosed in quotes with its quotes doubled. A row that consists of one empty field is
/// written as `""`, so that it is not a blank line a reader would skip.
public struct CSVEncoder {
    /// Appends one row, terminated by `\n`, to `buffer`.
    public static func appendRow(_ cells: [CSVCell], to buffer: inout [UInt8]) {
        if cells.count == 1, isEmptyField(cells[0]) {
            buffer.append(contentsOf: [quote, quote, newline])
            return
        }
        for (index, cell) in cells.enumerated() {
            if index > 0 { buffer.append(comma) }
            switch cell {
            case .empty:
                break
            case .number(let digits):
                appendNumber(digits, to: &buffer)
            case .text(let text):
                appendText(text, to: &buffer)
            }
        }
        buffer.append(newline)
    }

    /// A whole document: `header` (as text cells) then `rows`.
    public static func document(header: [String], rows: [[CSVCell]]) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64 * (rows.count + 1))
        appendRow(header.map(CSVCell.text), to: &buffer)
        for row in rows { appendRow(row, to: &buffer) }
        return buffer
    }

    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let newline = UInt8(ascii: "\n")
    private static let apostrophe = UInt8(ascii: "'")

    private static func isEmptyField(_ cell: CSVCell) -> Bool {
        switch cell {
        case .empty: return true
        case .text(let text): return text.isEmpty
        case .number: return false
        }
    }

    private static func appendNumber(_ digits: String, to buffer: inout [UInt8]) {
        var digits = digits
        digits.withUTF8 { bytes in
            precondition(!bytes.isEmpty && bytes.allSatisfy(isNumberByte),
                         "CSVCell.number must be a plain decimal, got \(String(decoding: bytes, as: UTF8.self))")
            buffer.append(contentsOf: bytes)
        }
    }

    /// Appends one text field (neutralised and quoted as `appendRow` does), without a separator.
    public static func appendText(_ text: String, to buffer: inout [UInt8]) {
        withUTF8Bytes(text) { bytes in
            guard let first = bytes.first else { return }
            let neutralise = startsFormula(first)
            let enclose = bytes.contains(where: needsQuoting)
            if enclose { buffer.append(quote) }
            if neutralise { buffer.append(apostrophe) }
            if enclose {
                for byte in bytes {
                    if byte == quote { buffer.append(quote) }
                    buffer.append(byte)
                }
                buffer.append(quote)
            } else {
                buffer.append(contentsOf: bytes)
            }
        }
    }

    /// Appends `{text}-{number}` (a child order id) as one text field, exactly as `appendText`
    /// appends the joined string, without building it: replay writes one per orders row.
    public static func appendText(_ text: String, dash number: Int, to buffer: inout [UInt8]) {
        let plain: Bool = withUTF8Bytes(text) { bytes in
            guard let first = bytes.first, !bytes.contains(where: needsQuoting) else { return false }
            if startsFormula(first) { buffer.append(apostrophe) }
            buffer.append(contentsOf: bytes)
            return true
        }
        guard plain else { return appendText("\(text)-\(number)", to: &buffer) }
        buffer.append(UInt8(ascii: "-"))
        appendDecimal(Int64(number), point: false, to: &buffer)
    }

    /// Appends a whole number in plain decimal, without a separator.
    public static func appendInteger(_ value: Int64, to buffer: inout [UInt8]) {
        appendDecimal(value, point: false, to: &buffer)
    }

    /// Appends an amount as a plain decimal with two fraction digits (`-15.60`).
    public static func appendMoney(_ money: Money, to buffer: inout [UInt8]) {
        appendDecimal(money.fen, point: true, to: &buffer)
    }

    /// `value` in plain decimal, with a point before its last two digits when `point` (an
    /// amount in minor units). Workbook cells write their numbers with it too.
    @inline(__always)
    static func appendDecimal(_ value: Int64, point: Bool, to buffer: inout [UInt8]) {
        appendDecimal(value.magnitude, negative: value < 0, point: point, to: &buffer)
    }

    /// Writes the digits (and the point before the last two when `point`) from the right into a
    /// scratch buffer and appends them at once: feeds hold millions of amounts, and one append
    /// per digit cost more than the digits themselves.
    @inline(__always)
    private static func appendDecimal(_ value: UInt64, negative: Bool, point: Bool, to buffer: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { digits in
            var v = value
            var at = 24
            if point {
                at -= 1; digits[at] = UInt8(48 + v % 10); v /= 10
                at -= 1; digits[at] = UInt8(48 + v % 10); v /= 10
                at -= 1; digits[at] = UInt8(ascii: ".")
            }
            repeat {
                at -= 1
                digits[at] = UInt8(48 + v % 10)
                v /= 10
            } while v > 0
            if negative { at -= 1; digits[at] = UInt8(ascii: "-") }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: digits[at..<24]))
        }
    }

    private static func startsFormula(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"),
             UInt8(ascii: "\t"), UInt8(ascii: "\r"):
            return true
        default:
            return false
        }
    }

    private static func needsQuoting(_ byte: UInt8) -> Bool {
        byte == comma || byte == quote || byte == UInt8(ascii: "\r") || byte == newline
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: ".")
    }
}

/// `body` over a string's UTF-8 bytes in place when it has them contiguous (native strings
/// do), without the copy `withUTF8` makes of a string it may not mutate: writers call this
/// for every cell of millions of rows.
@inline(__always)
func withUTF8Bytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    if let result = try text.utf8.withContiguousStorageIfAvailable(body) { return result }
    var copy = text
    return try copy.withUTF8(body)
}
