// Journal/JSONValue.swift: a small JSON reader for the journal and the catalog. Numbers keep
// their literal text so that quantities and amounts are parsed exactly by their own rules
// (SPEC section 1), never through binary floating point; every value remembers where it starts.

/// A parsed JSON value with the byte offset in its document where it starts; `JSONPosition`
/// turns an offset into the line and column a person reads.
public enum JSONValue: Sendable, Equatable {
    case object([(String, JSONValue)], offset: Int)
    case array([JSONValue], offset: Int)
    case string(String, offset: Int)
    /// The literal text of the number, e.g. `12`, `-3.5e2`.
    case number(String, offset: Int)
    case bool(Bool, offset: Int)
    case null(offset: Int)

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.object(x, _), .object(y, _)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(x, _), .array(y, _)): return x == y
        case let (.string(x, _), .string(y, _)): return x == y
        case let (.number(x, _), .number(y, _)): return x == y
        case let (.bool(x, _), .bool(y, _)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    public var offset: Int {
        switch self {
        case .object(_, let o), .array(_, let o), .string(_, let o), .number(_, let o), .bool(_, let o): return o
        case .null(let o): return o
        }
    }

    /// `object`, `array`, `string`, `number`, `boolean` or `null`, for messages.
    public var kindName: String {
        switch self {
        case .object: return "object"
        case .array: return "array"
        case .string: return "string"
        case .number: return "number"
        case .bool: return "boolean"
        case .null: return "null"
        }
    }
}

/// Why a JSON text could not be read, and where (1-based line and column).
public struct JSONSyntaxError: Error, Sendable, Equatable {
    public var line: Int
    public var column: Int
    public var message: String
}

/// Parses JSON text (one document; the journal calls it once per line). Nesting is limited to
/// `depthMax` so hostile input cannot exhaust the stack.
public struct JSONParser {
    public static let depthMax = 64

    private let bytes: [UInt8]
    private var at = 0
    private let firstLine: Int

    public static func parse(_ text: String, firstLine: Int = 1) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: Array(text.utf8), firstLine: firstLine)
        return try parser.document()
    }

    public static func parse(_ bytes: [UInt8], firstLine: Int = 1) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, firstLine: firstLine)
        return try parser.document()
    }

    private init(bytes: [UInt8], firstLine: Int) {
        self.bytes = bytes
        self.firstLine = firstLine
    }

    private mutating func document() throws(JSONSyntaxError) -> JSONValue {
        skipSpace()
        let value = try parseValue(depth: 0)
        skipSpace()
        guard at == bytes.count else { throw fail("unexpected text after the JSON value") }
        return value
    }

    private func fail(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let p = JSONPosition(bytes: bytes, offset: min(offset ?? at, bytes.count), firstLine: firstLine)
        return JSONSyntaxError(line: p.line, column: p.column, message: message)
    }

    private mutating func skipSpace() {
        while at < bytes.count {
            switch bytes[at] {
            case 0x20, 0x09, 0x0D, 0x0A: at += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < JSONParser.depthMax else { throw fail("nested deeper than \(JSONParser.depthMax) levels") }
        guard at < bytes.count else { throw fail("a value is missing") }
        let start = at
        switch bytes[at] {
        case UInt8(ascii: "{"):
            at += 1
            var members: [(String, JSONValue)] = []
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members, offset: start) }
            while true {
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw fail("expected a field name in quotes") }
                let name = try parseString()
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw fail("expected ':' after \"\(name)\"") }
                at += 1
                skipSpace()
                let value = try parseValue(depth: depth + 1)
                if members.contains(where: { $0.0 == name }) { throw fail("field \"\(name)\" appears twice", at: at - 1) }
                members.append((name, value))
                skipSpace()
                guard at < bytes.count else { throw fail("the object is not closed") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members, offset: start) }
                throw fail("expected ',' or '}'")
            }
        case UInt8(ascii: "["):
            at += 1
            var items: [JSONValue] = []
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items, offset: start) }
            while true {
                skipSpace()
                items.append(try parseValue(depth: depth + 1))
                skipSpace()
                guard at < bytes.count else { throw fail("the array is not closed") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items, offset: start) }
                throw fail("expected ',' or ']'")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString(), offset: start)
        case UInt8(ascii: "t"):
            try literal("true"); return .bool(true, offset: start)
        case UInt8(ascii: "f"):
            try literal("false"); return .bool(false, offset: start)
        case UInt8(ascii: "n"):
            try literal("null"); return .null(offset: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber(), offset: start)
        default:
            throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard at + count <= bytes.count,
              (0..<count).allSatisfy({ bytes[at + $0] == word.utf8Start[$0] }) else {
            throw fail("unexpected word (expected \(word))")
        }
        at += count
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> String {
        let start = at
        func digits(_ p: inout Int, _ b: [UInt8]) -> Int {
            let s = p
            while p < b.count, b[p] >= 0x30, b[p] <= 0x39 { p += 1 }
            return p - s
        }
        if bytes[at] == UInt8(ascii: "-") { at += 1 }
        guard digits(&at, bytes) > 0 else { throw fail("a number needs digits", at: start) }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
            at += 1
            guard digits(&at, bytes) > 0 else { throw fail("a number needs digits after '.'", at: start) }
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard digits(&at, bytes) > 0 else { throw fail("a number needs digits in its exponent", at: start) }
        }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let open = at
        at += 1
        // Most strings have no escape: made straight from their bytes, ASCII ones without
        // the validation a String of other bytes needs.
        var end = at
        var high: UInt8 = 0
        while end < bytes.count {
            let b = bytes[end]
            if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 { break }
            high |= b
            end += 1
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let text = bytes.withUnsafeBufferPointer { all -> String? in
                let slice = UnsafeBufferPointer(rebasing: all[at..<end])
                return high < 0x80 ? String(decoding: slice, as: UTF8.self) : String(validating: slice, as: UTF8.self)
            }
            guard let text else { throw fail("a string that is not valid UTF-8", at: open) }
            at = end + 1
            return text
        }
        var out: [UInt8] = Array(bytes[at..<end])
        at = end
        while true {
            guard at < bytes.count else { throw fail("the string is not closed", at: open) }
            let b = bytes[at]
            if b == UInt8(ascii: "\"") { at += 1; break }
            if b < 0x20 { throw fail("a control character inside a string") }
            if b != UInt8(ascii: "\\") { out.append(b); at += 1; continue }
            at += 1
            guard at < bytes.count else { throw fail("the string is not closed", at: open) }
            let e = bytes[at]
            at += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800, scalar < 0xDC00 {
                    guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                        throw fail("a lone surrogate in \\u escape")
                    }
                    at += 2
                    let low = try hex4()
                    guard low >= 0xDC00, low < 0xE000 else { throw fail("a lone surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00, scalar < 0xE000 {
                    throw fail("a lone surrogate in \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("an invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw fail("an unknown escape '\\\(Character(Unicode.Scalar(e)))'")
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw fail("a string that is not valid UTF-8", at: open) }
        return text
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        guard at + 4 <= bytes.count else { throw fail("a \\u escape needs 4 hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[at]
            let d: UInt32
            switch b {
            case 0x30...0x39: d = UInt32(b - 0x30)
            case 0x41...0x46: d = UInt32(b - 0x41 + 10)
            case 0x61...0x66: d = UInt32(b - 0x61 + 10)
            default: throw fail("a \\u escape needs 4 hex digits")
            }
            v = v << 4 | d
            at += 1
        }
        return v
    }
}

/// The 1-based line and column (in characters) of a byte offset in a document. Computed only
/// when a message needs it, so parsing stays linear.
public struct JSONPosition: Sendable, Equatable {
    public var line: Int
    public var column: Int

    public init(bytes: [UInt8], offset: Int, firstLine: Int = 1) {
        var line = firstLine
        var column = 1
        var i = 0
        while i < offset && i < bytes.count {
            if bytes[i] == 0x0A { line += 1; column = 1 } else if bytes[i] & 0xC0 != 0x80 { column += 1 }
            i += 1
        }
        self.line = line
        self.column = column
    }
}
