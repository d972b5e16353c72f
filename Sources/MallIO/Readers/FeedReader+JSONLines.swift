// Readers/FeedReader+JSONLines.swift: a strict parser for one JSON Lines record, a FLAT
// JSON object (RFC 8259 grammar) whose values are strings, numbers, booleans or null.

extension FeedReader {
    /// Parses one line (UTF-8 already validated, terminator removed) into the requested
    /// columns. Rules: the line is one object, optionally surrounded by spaces or tabs;
    /// values may be strings (every escape, `\uXXXX` with surrogate pairs; a lone surrogate
    /// is an error), numbers (the literal text is kept), `true`/`false` (text `true`/`false`),
    /// `null` (nil). A nested object or array, for any key, is an error. Duplicate keys: the
    /// first wins. Keys not requested are checked for syntax, then ignored. `""` is an empty
    /// cell (nil), like an empty CSV cell.
    struct JSONLineParser {
        /// Where and why a line is not a readable record; `offset` is a byte offset in the line.
        struct Failure: Error {
            let offset: Int
            let message: String
        }

        /// The requested names, back to back; `nameRanges[i]` is name i.
        private let nameBytes: [UInt8]
        private let nameRanges: [Range<Int>]
        /// For the k-th key of a line, the name index it matched on the previous line: feeds
        /// usually keep their keys in one order, so this makes lookups one comparison.
        private var hints: [Int] = []
        private var seen: [Bool]
        private var scratch: [UInt8] = []

        private static let hintsMax = 256

        init(columns: [String]) {
            var bytes: [UInt8] = []
            var ranges: [Range<Int>] = []
            for name in columns {
                let start = bytes.count
                bytes.append(contentsOf: name.utf8)
                ranges.append(start..<bytes.count)
            }
            nameBytes = bytes
            nameRanges = ranges
            seen = Array(repeating: false, count: columns.count)
        }

        /// Fills `values` and `offsets` (byte offset of each value in the line, -1 when
        /// absent); both must have one slot per requested column.
        mutating func parse(
            _ line: UnsafeBufferPointer<UInt8>, values: inout [FeedValue?], offsets: inout [Int]
        ) throws(Failure) {
            for i in seen.indices { seen[i] = false }
            let n = line.count
            var i = skipSpace(line, 0)
            guard i < n, line[i] == UInt8(ascii: "{") else {
                throw Failure(offset: i, message: "expected a JSON object starting with '{'")
            }
            i = skipSpace(line, i + 1)
            if i < n && line[i] == UInt8(ascii: "}") {
                return try finish(line, i + 1)
            }
            var ordinal = 0
            while true {
                guard i < n, line[i] == UInt8(ascii: "\"") else {
                    throw Failure(offset: i, message: "expected a string key")
                }
                let key = try scanString(line, i)
                i = skipSpace(line, key.end + 1)
                guard i < n, line[i] == UInt8(ascii: ":") else {
                    throw Failure(offset: i, message: "expected ':' after the key")
                }
                i = skipSpace(line, i + 1)
                let valueStart = i
                let target = lookup(line, key, ordinal: ordinal)
                ordinal += 1
                i = try parseValue(line, at: valueStart, into: target, values: &values, offsets: &offsets)
                i = skipSpace(line, i)
                guard i < n else { throw Failure(offset: i, message: "expected ',' or '}'") }
                if line[i] == UInt8(ascii: "}") { return try finish(line, i + 1) }
                guard line[i] == UInt8(ascii: ",") else {
                    throw Failure(offset: i, message: "expected ',' or '}'")
                }
                i = skipSpace(line, i + 1)
            }
        }

        private func finish(_ line: UnsafeBufferPointer<UInt8>, _ from: Int) throws(Failure) {
            let end = skipSpace(line, from)
            if end < line.count { throw Failure(offset: end, message: "unexpected text after the object") }
        }

        /// Parses the value at `start`; stores it in slot `target` unless that column was seen.
        /// Returns the offset just after the value.
        private mutating func parseValue(
            _ line: UnsafeBufferPointer<UInt8>, at start: Int, into target: Int?,
            values: inout [FeedValue?], offsets: inout [Int]
        ) throws(Failure) -> Int {
            guard start < line.count else { throw Failure(offset: start, message: "expected a value") }
            let slot: Int? = if let target, !seen[target] { target } else { nil }
            if let slot {
                seen[slot] = true
                offsets[slot] = start
            }
            let c = line[start]
            switch c {
            case UInt8(ascii: "\""):
                let string = try scanString(line, start)
                if let slot, string.end > string.start {
                    values[slot] = FeedValue(text: decode(line, string), isJSONNumber: false)
                }
                return string.end + 1
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let end = try scanNumber(line, start)
                if let slot {
                    values[slot] = FeedValue(text: String(decoding: UnsafeBufferPointer(rebasing: line[start..<end]), as: UTF8.self), isJSONNumber: true)
                }
                return end
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                let word: StaticString = c == UInt8(ascii: "t") ? "true" : c == UInt8(ascii: "f") ? "false" : "null"
                let end = start + word.utf8CodeUnitCount
                guard end <= line.count, (0..<word.utf8CodeUnitCount).allSatisfy({ line[start + $0] == word.utf8Start[$0] }) else {
                    throw Failure(offset: start, message: "invalid value")
                }
                if let slot, c != UInt8(ascii: "n") {
                    values[slot] = FeedValue(text: c == UInt8(ascii: "t") ? "true" : "false", isJSONNumber: false)
                }
                return end
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                throw Failure(offset: start, message: "a nested object or array is not allowed")
            default:
                throw Failure(offset: start, message: "invalid value")
            }
        }

        /// A string's content `[start, end)` (end is the closing quote) and whether it has escapes.
        private struct StringSpan {
            let start: Int
            let end: Int
            let escaped: Bool
        }

        /// Scans the string whose opening quote is at `open`, checking every escape.
        private func scanString(_ line: UnsafeBufferPointer<UInt8>, _ open: Int) throws(Failure) -> StringSpan {
            let n = line.count
            var i = open + 1
            var escaped = false
            while i < n {
                let c = line[i]
                if c == UInt8(ascii: "\"") { return StringSpan(start: open + 1, end: i, escaped: escaped) }
                if c < 0x20 { throw Failure(offset: i, message: "a control character must be escaped in a string") }
                if c != UInt8(ascii: "\\") {
                    i += 1
                    continue
                }
                escaped = true
                guard i + 1 < n else { break }
                switch line[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard let unit = hex4(line, i + 2) else {
                        throw Failure(offset: i, message: "\\u must be followed by four hex digits")
                    }
                    if unit >= 0xDC00 && unit <= 0xDFFF {
                        throw Failure(offset: i, message: "a lone low surrogate in a \\u escape")
                    }
                    if unit >= 0xD800 && unit <= 0xDBFF {
                        guard i + 7 < n, line[i + 6] == UInt8(ascii: "\\"), line[i + 7] == UInt8(ascii: "u"),
                              let low = hex4(line, i + 8), low >= 0xDC00 && low <= 0xDFFF else {
                            throw Failure(offset: i, message: "a high surrogate not followed by a low surrogate")
                        }
                        i += 12
                    } else {
                        i += 6
                    }
                default:
                    throw Failure(offset: i, message: "invalid escape in a string")
                }
            }
            throw Failure(offset: n, message: "the string is not closed")
        }

        private func hex4(_ line: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt32? {
            guard at + 4 <= line.count else { return nil }
            var value: UInt32 = 0
            for k in 0..<4 {
                let c = line[at + k]
                let digit: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }

        /// RFC 8259 number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
        private func scanNumber(_ line: UnsafeBufferPointer<UInt8>, _ start: Int) throws(Failure) -> Int {
            let n = line.count
            var i = start
            func isDigit(_ at: Int) -> Bool { at < n && line[at] >= UInt8(ascii: "0") && line[at] <= UInt8(ascii: "9") }
            if line[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { throw Failure(offset: i, message: "invalid number") }
            if line[i] == UInt8(ascii: "0") {
                i += 1
                if isDigit(i) { throw Failure(offset: i, message: "a number may not have leading zeros") }
            } else {
                while isDigit(i) { i += 1 }
            }
            if i < n && line[i] == UInt8(ascii: ".") {
                i += 1
                guard isDigit(i) else { throw Failure(offset: i, message: "invalid number: digits expected after '.'") }
                while isDigit(i) { i += 1 }
            }
            if i < n && (line[i] == UInt8(ascii: "e") || line[i] == UInt8(ascii: "E")) {
                i += 1
                if i < n && (line[i] == UInt8(ascii: "+") || line[i] == UInt8(ascii: "-")) { i += 1 }
                guard isDigit(i) else { throw Failure(offset: i, message: "invalid number: digits expected in the exponent") }
                while isDigit(i) { i += 1 }
            }
            return i
        }

        private func skipSpace(_ line: UnsafeBufferPointer<UInt8>, _ from: Int) -> Int {
            var i = from
            while i < line.count && (line[i] == 0x20 || line[i] == 0x09 || line[i] == 0x0D) { i += 1 }
            return i
        }

        /// The requested column a key names, if any.
        private mutating func lookup(_ line: UnsafeBufferPointer<UInt8>, _ key: StringSpan, ordinal: Int) -> Int? {
            if key.escaped {
                let decoded = Array(decode(line, key).utf8)
                return decoded.withUnsafeBufferPointer { findName($0, ordinal: ordinal) }
            }
            return findName(UnsafeBufferPointer(rebasing: line[key.start..<key.end]), ordinal: ordinal)
        }

        private mutating func findName(_ key: UnsafeBufferPointer<UInt8>, ordinal: Int) -> Int? {
            if ordinal < hints.count, hints[ordinal] >= 0, nameEquals(hints[ordinal], key) {
                return hints[ordinal]
            }
            var found: Int?
            for index in nameRanges.indices where nameEquals(index, key) {
                found = index
                break
            }
            if ordinal < hints.count {
                hints[ordinal] = found ?? -1
            } else if ordinal == hints.count && ordinal < Self.hintsMax {
                hints.append(found ?? -1)
            }
            return found
        }

        private func nameEquals(_ index: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
            let range = nameRanges[index]
            guard range.count == key.count else { return false }
            return nameBytes.withUnsafeBufferPointer { names in
                var k = 0
                while k < key.count {
                    if names[range.lowerBound + k] != key[k] { return false }
                    k += 1
                }
                return true
            }
        }

        /// The text of a string span, escapes resolved (they were checked by `scanString`).
        private mutating func decode(_ line: UnsafeBufferPointer<UInt8>, _ span: StringSpan) -> String {
            let content = UnsafeBufferPointer(rebasing: line[span.start..<span.end])
            guard span.escaped else { return String(decoding: content, as: UTF8.self) }
            scratch.removeAll(keepingCapacity: true)
            var i = 0
            while i < content.count {
                let c = content[i]
                guard c == UInt8(ascii: "\\") else {
                    scratch.append(c)
                    i += 1
                    continue
                }
                let e = content[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = hex4(content, i)!
                    i += 4
                    if scalar >= 0xD800 && scalar <= 0xDBFF {
                        let low = hex4(content, i + 2)!
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                    scratch.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
                default: scratch.append(e)  // " \ /
                }
            }
            return String(decoding: scratch, as: UTF8.self)
        }
    }
}
