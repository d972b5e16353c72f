// Readers/FeedTypes.swift: the values a feed reader hands out (records, row errors, file
// errors) and the named limits that bound its memory. SPEC section 3, "Input feeds".

/// The two feed encodings of SPEC section 3. Gzip is orthogonal: either may be compressed.
public enum FeedFormat: Sendable, Equatable {
    /// RFC 4180 CSV with a header row.
    case csv
    /// One flat JSON object per line.
    case jsonLines

    /// The format a file name implies: the name after stripping `.gz` ending in `.jsonl`,
    /// `.ndjson` or `.json` (any letter case) is JSON Lines, anything else is CSV.
    public static func inferred(fromPath path: String) -> FeedFormat {
        var name = Substring(path.lowercased())
        if name.hasSuffix(".gz") { name = name.dropLast(3) }
        for suffix in [".jsonl", ".ndjson", ".json"] where name.hasSuffix(suffix) {
            return .jsonLines
        }
        return .csv
    }
}

/// Named limits of the readers (STYLE: every loop and buffer has a limit, units last).
public enum FeedLimits {
    /// A record (CSV record or JSON line, without its terminator) longer than this is a
    /// `malformed_row`; the reader skips the rest of it without buffering it.
    public static let rowBytesMax = 1 << 20
    /// How much is read from the file (or inflated) per call.
    public static let readChunkBytes = 1 << 20
    /// `FeedRecord.raw` and `FeedRow.malformed(raw:)` are cut to this many characters.
    public static let rawCharactersMax = 4096
    /// How much of the start of the (decompressed) content the not-UTF-8 rule looks at.
    public static let sniffBytesMax = 64 << 10
}

/// One cell as read from a feed.
public struct FeedValue: Sendable, Equatable {
    /// The cell's text: CSV unquoted and unescaped; JSON strings unescaped; JSON numbers as
    /// their literal text (`12.30`, `-1e3`); JSON booleans as `true` / `false`.
    public let text: String
    /// True when the JSON value was a number literal rather than a string. Always false for
    /// CSV. Money must be a JSON string, so staging rejects money given as a number.
    public let isJSONNumber: Bool

    public init(text: String, isJSONNumber: Bool = false) {
        self.text = text
        self.isJSONNumber = isJSONNumber
    }
}

/// One readable record of a feed, projected onto the columns the caller asked for.
public struct FeedRecord: Sendable, Equatable {
    /// The 1-based physical line where the record starts (the CSV header is line 1).
    public let line: Int
    /// One value per requested column, in the order requested. `nil` when the column is
    /// absent, the cell is empty (CSV empty or `""`, JSON `""`) or the JSON value is `null`.
    public let values: [FeedValue?]
    /// For each requested column, where its value is, for error messages: the 1-based field
    /// number in CSV; the 1-based character column of the value in the line in JSON Lines;
    /// 0 when the column is absent.
    public let columns: [Int]
    /// The record's text as read, without its line terminator, cut to
    /// `FeedLimits.rawCharactersMax` characters (for the quarantine file).
    public let raw: String

    public init(line: Int, values: [FeedValue?], columns: [Int], raw: String) {
        self.line = line
        self.values = values
        self.columns = columns
        self.raw = raw
    }
}

/// What `FeedReader.next()` yields: a record, or a row that cannot be read.
public enum FeedRow: Sendable, Equatable {
    /// A record that could be read.
    case record(FeedRecord)
    /// A row that cannot be read: quarantine reason `malformed_row`. `line` is the physical
    /// line where the row starts, `column` the 1-based field (CSV) or character column
    /// (JSON Lines) where it went wrong, `raw` its text cut like `FeedRecord.raw`.
    case malformed(line: Int, column: Int, message: String, raw: String)
}

/// An error that rejects a whole feed file (SPEC section 3: listed in the quarantine with
/// line 0), or an I/O failure.
public struct FeedFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable codes; the raw values are the quarantine reasons.
    public enum Kind: String, Sendable, Equatable {
        /// A required column is missing from the CSV header (or the header cannot be read).
        case missingColumn = "missing_column"
        /// The CSV header names one of the requested columns twice.
        case duplicateColumn = "duplicate_column"
        /// The gzip stream fails its CRC or length check, ends early, or is followed by
        /// bytes that are not another gzip member.
        case corruptGzip = "corrupt_gzip"
        /// The file is not UTF-8 at all; see `FeedReader` for the exact rule.
        case notUTF8 = "not_utf8"
        /// The file cannot be opened or read.
        case unreadable = "unreadable"
    }

    public let kind: Kind
    /// The path as given to the reader.
    public let file: String
    /// 1-based line, 0 when the error concerns the file as a whole.
    public let line: Int
    /// 1-based column, 0 when not applicable.
    public let column: Int
    public let message: String

    public init(kind: Kind, file: String, line: Int = 0, column: Int = 0, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `file:line:column: kind: message`, the diagnostic format of the project.
    public var description: String {
        "\(file):\(line):\(column): \(kind.rawValue): \(message)"
    }
}
