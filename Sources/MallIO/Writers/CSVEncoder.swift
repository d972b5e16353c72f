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
            if !startsFormula(first), !bytes.contains(where: needsQuoting) {
                buffer.append(contentsOf: bytes)
                return
            }
            buffer.append(writingAtMost: textRoom(bytes.count)) { putText(bytes, into: &$0) }
        }
    }

    /// The most bytes `putText` writes for a text of `utf8Count` bytes: an apostrophe, two
    /// quotes and every byte doubled.
    @inline(__always)
    public static func textRoom(_ utf8Count: Int) -> Int { 2 * utf8Count + 3 }

    /// Writes one text field through `out` (neutralised and quoted as `appendRow` does),
    /// without a separator; `out` has `textRoom` bytes left for it.
    @inline(__always)
    public static func putText(_ text: String, into out: inout ByteCursor) {
        withUTF8Bytes(text) { putText($0, into: &out) }
    }

    /// `putText` of a text's UTF-8 bytes.
    public static func putText(_ bytes: UnsafeBufferPointer<UInt8>, into out: inout ByteCursor) {
        guard let first = bytes.first else { return }
        let enclose = bytes.contains(where: needsQuoting)
        if enclose { out.put(quote) }
        if startsFormula(first) { out.put(apostrophe) }
        if enclose {
            for byte in bytes {
                if byte == quote { out.put(quote) }
                out.put(byte)
            }
            out.put(quote)
        } else {
            out.put(bytes)
        }
    }

    /// Writes `{text}-{number}` (a child order id) as one text field, exactly as `putText`
    /// writes the joined string, without building it: replay writes one per orders row.
    /// `out` has `textRoom` bytes left for the joined string.
    public static func putText(_ text: String, dash number: Int, into out: inout ByteCursor) {
        let plain: Bool = withUTF8Bytes(text) { bytes in
            guard let first = bytes.first, !bytes.contains(where: needsQuoting) else { return false }
            if startsFormula(first) { out.put(apostrophe) }
            out.put(bytes)
            return true
        }
        guard plain else { return putText("\(text)-\(number)", into: &out) }
        out.put(UInt8(ascii: "-"))
        putDecimal(UInt64(number), negative: false, point: false, into: &out)
    }

    /// Appends a whole number in plain decimal, without a separator.
    public static func appendInteger(_ value: Int64, to buffer: inout [UInt8]) {
        appendDecimal(value, point: false, to: &buffer)
    }

    /// Appends an amount as a plain decimal with two fraction digits (`-15.60`).
    public static func appendMoney(_ money: Money, to buffer: inout [UInt8]) {
        appendDecimal(money.fen, point: true, to: &buffer)
    }

    /// The most bytes `putInteger` and `putMoney` write.
    public static let decimalRoom = 24

    /// `appendInteger` through a cursor with `decimalRoom` bytes left.
    @inline(__always)
    public static func putInteger(_ value: Int64, into out: inout ByteCursor) {
        putDecimal(value.magnitude, negative: value < 0, point: false, into: &out)
    }

    /// `appendMoney` through a cursor with `decimalRoom` bytes left.
    @inline(__always)
    public static func putMoney(_ money: Money, into out: inout ByteCursor) {
        putDecimal(money.fen.magnitude, negative: money.fen < 0, point: true, into: &out)
    }

    /// `value` in plain decimal, with a point before its last two digits when `point` (an
    /// amount in minor units). Workbook cells write their numbers with it too.
    @inline(__always)
    static func appendDecimal(_ value: Int64, point: Bool, to buffer: inout [UInt8]) {
        buffer.append(writingAtMost: decimalRoom) {
            putDecimal(value.magnitude, negative: value < 0, point: point, into: &$0)
        }
    }

    /// Writes the digits (and the point before the last two when `point`) from the right end
    /// of the room, then moves them to its start: feeds hold millions of amounts, and one
    /// write per digit into an array cost more than the digits themselves.
    @inline(__always)
    private static func putDecimal(_ value: UInt64, negative: Bool, point: Bool, into out: inout ByteCursor) {
        out.write(atMost: decimalRoom) { digits in
            var v = value
            var at = decimalRoom
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
            let count = decimalRoom - at
            digits.baseAddress!.update(from: digits.baseAddress! + at, count: count)
            return count
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
