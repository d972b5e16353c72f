// Journal/JSONFieldReader.swift: typed access to the fields of a JSON object, with errors that name
// the field (as a path like `skus[3].market_price`) and where it is (line and column).
import MallCore

/// A field that is missing, of the wrong type or out of range.
public struct JSONFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// The field's path, e.g. `lines[1].quantity` or `skus[3].market_price`.
    public var field: String
    public var message: String

    public init(line: Int, column: Int, field: String, message: String) {
        self.line = line; self.column = column; self.field = field; self.message = message
    }

    public var description: String { "line \(line), column \(column), field \(field): \(message)" }
}

/// The members of one JSON object, read field by field. Unknown fields are an error (a typo
/// in a finance file should never be silently ignored): call `finish()` after reading.
public struct JSONFieldReader {
    public let path: String
    private let members: [(String, JSONValue)]
    private let document: [UInt8]
    private let firstLine: Int
    private let offset: Int
    private var read: Set<String> = []

    public init(_ value: JSONValue, path: String, document: [UInt8], firstLine: Int = 1) throws(JSONFieldError) {
        self.path = path
        self.document = document
        self.firstLine = firstLine
        self.offset = value.offset
        guard case .object(let members, _) = value else {
            let p = JSONPosition(bytes: document, offset: value.offset, firstLine: firstLine)
            throw JSONFieldError(line: p.line, column: p.column, field: path.isEmpty ? "(top)" : path,
                                 message: "expected an object, found a \(value.kindName)")
        }
        self.members = members
    }

    /// A field's path for messages; a field named by the empty string shows as `""`.
    private func name(_ field: String) -> String {
        let shown = field.isEmpty ? "\"\"" : field
        return path.isEmpty ? shown : "\(path).\(shown)"
    }

    public func error(_ field: String, _ message: String, at value: JSONValue? = nil) -> JSONFieldError {
        let p = JSONPosition(bytes: document, offset: value?.offset ?? offset, firstLine: firstLine)
        return JSONFieldError(line: p.line, column: p.column, field: name(field), message: message)
    }

    /// The raw value, or nil when absent or `null`.
    public mutating func value(_ field: String) -> JSONValue? {
        read.insert(field)
        guard let v = members.first(where: { $0.0 == field })?.1 else { return nil }
        if case .null = v { return nil }
        return v
    }

    public mutating func has(_ field: String) -> Bool { value(field) != nil }

    public mutating func string(_ field: String, required: Bool = true, maxCharacters: Int? = nil) throws(JSONFieldError) -> String? {
        guard let v = value(field) else {
            if required { throw error(field, "is required") }
            return nil
        }
        guard case .string(let s, _) = v else { throw error(field, "must be a string, found a \(v.kindName)", at: v) }
        if required && s.isEmpty { throw error(field, "must not be empty", at: v) }
        if let maxCharacters, s.count > maxCharacters { throw error(field, "is longer than \(maxCharacters) characters", at: v) }
        return s
    }

    public mutating func requiredString(_ field: String, maxCharacters: Int? = 64) throws(JSONFieldError) -> String {
        // `required: true` never returns nil.
        return try string(field, required: true, maxCharacters: maxCharacters) ?? ""
    }

    /// Money as a decimal string (SPEC section 1); JSON numbers are refused so that no amount
    /// ever passes through binary floating point.
    public mutating func money(_ field: String, required: Bool = true, nonNegative: Bool = true) throws(JSONFieldError) -> Money? {
        guard let v = value(field) else {
            if required { throw error(field, "is required") }
            return nil
        }
        guard case .string(let s, _) = v else { throw error(field, "must be an amount in quotes, like \"12.30\"", at: v) }
        switch Money.parse(s) {
        case .success(let m):
            if nonNegative && m.fen < 0 { throw error(field, "must not be negative", at: v) }
            return m
        case .failure(let e):
            throw error(field, e.message, at: v)
        }
    }

    /// A plain integer (digits, optional leading minus), given as a JSON number or string.
    public mutating func integer(_ field: String, required: Bool = true, range: ClosedRange<Int64>) throws(JSONFieldError) -> Int64? {
        guard let v = value(field) else {
            if required { throw error(field, "is required") }
            return nil
        }
        let text: String
        switch v {
        case .number(let t, _), .string(let t, _): text = t
        default: throw error(field, "must be an integer, found a \(v.kindName)", at: v)
        }
        guard let n = Int64(text), range.contains(n) else {
            throw error(field, "must be a whole number from \(range.lowerBound) to \(range.upperBound), found \(text)", at: v)
        }
        return n
    }

    public mutating func rate(_ field: String, required: Bool = true) throws(JSONFieldError) -> Rate? {
        guard let ppm = try integer(field, required: required, range: 0...1_000_000_000) else { return nil }
        return Rate(ppm: ppm)
    }

    public mutating func instant(_ field: String, required: Bool = true) throws(JSONFieldError) -> Instant? {
        guard let v = value(field) else {
            if required { throw error(field, "is required") }
            return nil
        }
        guard case .string(let s, _) = v else { throw error(field, "must be a timestamp in quotes", at: v) }
        switch Instant.parse(s) {
        case .success(let i): return i
        case .failure(let e): throw error(field, e.message, at: v)
        }
    }

    public mutating func bool(_ field: String, default fallback: Bool) throws(JSONFieldError) -> Bool {
        guard let v = value(field) else { return fallback }
        guard case .bool(let b, _) = v else { throw error(field, "must be true or false", at: v) }
        return b
    }

    /// The items of an array field (absent: empty unless required).
    public mutating func array(_ field: String, required: Bool = false) throws(JSONFieldError) -> [JSONValue] {
        guard let v = value(field) else {
            if required { throw error(field, "is required") }
            return []
        }
        guard case .array(let items, _) = v else { throw error(field, "must be a list, found a \(v.kindName)", at: v) }
        return items
    }

    /// The fields of an object-valued field, as a nested reader.
    public mutating func object(_ field: String) throws(JSONFieldError) -> JSONFieldReader? {
        guard let v = value(field) else { return nil }
        return try JSONFieldReader(v, path: name(field), document: document, firstLine: firstLine)
    }

    /// The fields of the `index`th item of a list field.
    public func item(_ value: JSONValue, of field: String, index: Int) throws(JSONFieldError) -> JSONFieldReader {
        try JSONFieldReader(value, path: "\(name(field))[\(index)]", document: document, firstLine: firstLine)
    }

    /// The members of an object-valued field as name → value, for maps like `level_prices`.
    public mutating func map(_ field: String) throws(JSONFieldError) -> [(String, JSONValue)] {
        guard let v = value(field) else { return [] }
        guard case .object(let members, _) = v else { throw error(field, "must be an object, found a \(v.kindName)", at: v) }
        return members
    }

    /// Refuses fields that were never asked for (a field named by the empty string is shown
    /// as `""`, see `name`).
    public func finish() throws(JSONFieldError) {
        for (field, value) in members where !read.contains(field) {
            throw error(field, "is not a known field", at: value)
        }
    }
}
